namespace Stlm.Model.Data;

/// <summary>
/// One split of a prepared corpus as a single token sequence (its shards back to back), cut
/// into training windows of <see cref="ContextLength"/> + 1 tokens: window i starts at token
/// i·ContextLength, so consecutive windows share one token and an epoch predicts every token
/// once. A window may straddle two shards; reads copy, so callers never see the seam.
/// </summary>
public sealed class TokenDataset : IDisposable
{
    readonly TokenShard[] shards;
    readonly long[] shardStarts;

    TokenDataset(ShardManifest manifest, DataSplit split, TokenShard[] shards, int contextLength)
    {
        (Manifest, Split, this.shards, ContextLength) = (manifest, split, shards, contextLength);
        shardStarts = new long[shards.Length];
        for (var i = 1; i < shards.Length; i++) shardStarts[i] = shardStarts[i - 1] + shards[i - 1].Tokens;
        Tokens = shards.Sum(s => s.Tokens);
        WindowCount = Tokens > contextLength ? (Tokens - 1) / contextLength : 0;
    }

    public ShardManifest Manifest { get; }
    public DataSplit Split { get; }
    public int ContextLength { get; }
    public long Tokens { get; }
    public long WindowCount { get; }
    public int WindowLength => ContextLength + 1;

    /// <summary>UTF-8 bytes of the split's source text: the denominator of its bits per byte.</summary>
    public long SourceBytes => Manifest.Split(Split).Bytes;

    public static TokenDataset Open(string directory, DataSplit split, int contextLength)
    {
        if (contextLength < 1) throw new StlmException($"context length {contextLength} is too small: give at least 1");
        var manifest = ShardManifest.Load(directory);
        var dtype = manifest.TokenDType;
        var opened = new List<TokenShard>();
        try
        {
            foreach (var shard in manifest.Split(split).Shards)
                opened.Add(new TokenShard(Path.Combine(directory, shard.File), dtype, shard.Tokens));
        }
        catch
        {
            foreach (var s in opened) s.Dispose();
            throw;
        }
        var dataset = new TokenDataset(manifest, split, [.. opened], contextLength);
        if (dataset.WindowCount == 0)
        {
            dataset.Dispose();
            throw new StlmException($"{directory}: the {split.ToString().ToLowerInvariant()} split has {dataset.Tokens} tokens, too few for one window of {contextLength + 1}: use a shorter context or more data");
        }
        return dataset;
    }

    /// <summary>Copies tokens [start, start + destination.Length) of the split into <paramref name="destination"/>.</summary>
    public void ReadTokens(long start, Span<int> destination)
    {
        if (start < 0 || start + destination.Length > Tokens)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + destination.Length}) are outside the split's {Tokens}");
        var shard = Array.BinarySearch(shardStarts, start);
        if (shard < 0) shard = ~shard - 1;
        while (destination.Length > 0)
        {
            var offset = start - shardStarts[shard];
            var take = (int)Math.Min(destination.Length, shards[shard].Tokens - offset);
            shards[shard].Read(offset, destination[..take]);
            destination = destination[take..];
            start += take;
            shard++;
        }
    }

    /// <summary>Window <paramref name="index"/>: inputs are its first ContextLength tokens, targets its last.</summary>
    public void ReadWindow(long index, Span<int> destination)
    {
        if ((ulong)index >= (ulong)WindowCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"window {index} is outside [0, {WindowCount})");
        if (destination.Length != WindowLength)
            throw new ArgumentException($"a window holds {WindowLength} tokens, not {destination.Length}", nameof(destination));
        ReadTokens(index * ContextLength, destination);
    }

    public void Dispose()
    {
        foreach (var shard in shards) shard.Dispose();
    }
}
