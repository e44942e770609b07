using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Stlm.Model.Data;

/// <summary>
/// Appends token ids to numbered shard files ("train-00000.bin", …) of at most
/// <c>shardTokens</c> tokens each, as raw little-endian uint16/uint32 like nanoGPT's .bin files.
/// Each shard is written as "*.tmp", hashed as it goes, flushed to disk and renamed into place
/// when full or at <see cref="Finish"/>.
/// </summary>
public sealed class ShardWriter : IDisposable
{
    readonly string directory, prefix;
    readonly TokenDType dtype;
    readonly int vocabSize;
    readonly long shardTokens;
    readonly List<ShardFile> finished = [];
    readonly byte[] buffer = new byte[1 << 20];
    int buffered;
    FileStream? stream;
    IncrementalHash? hash;
    long tokensInShard;

    public ShardWriter(string directory, string prefix, TokenDType dtype, int vocabSize, long shardTokens)
    {
        if (shardTokens < 1) throw new StlmException($"shard size {shardTokens} tokens is too small: give at least 1");
        (this.directory, this.prefix, this.dtype, this.vocabSize, this.shardTokens) = (directory, prefix, dtype, vocabSize, shardTokens);
    }

    public long Tokens { get; private set; }

    public static string ShardName(string prefix, int index) => $"{prefix}-{index:D5}.bin";

    public void Write(ReadOnlySpan<int> ids)
    {
        var size = dtype.Size();
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)vocabSize)
                throw new InvalidOperationException($"tokenizer produced id {id} outside its vocabulary of {vocabSize}");
            if (stream is null) Open();
            if (buffered + size > buffer.Length) FlushBuffer();
            if (dtype == TokenDType.UInt16) BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(buffered), (ushort)id);
            else BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(buffered), (uint)id);
            buffered += size;
            tokensInShard++;
            Tokens++;
            if (tokensInShard == shardTokens) Close();
        }
    }

    /// <summary>Closes the last shard and returns all of them, in order.</summary>
    public IReadOnlyList<ShardFile> Finish()
    {
        Close();
        return finished.ToArray();
    }

    void Open()
    {
        var path = Path.Combine(directory, ShardName(prefix, finished.Count));
        stream = new FileStream(AtomicFile.TempPathFor(path), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        tokensInShard = 0;
    }

    void FlushBuffer()
    {
        stream!.Write(buffer, 0, buffered);
        hash!.AppendData(buffer, 0, buffered);
        buffered = 0;
    }

    void Close()
    {
        if (stream is null) return;
        FlushBuffer();
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        var name = ShardName(prefix, finished.Count);
        AtomicFile.Commit(AtomicFile.TempPathFor(Path.Combine(directory, name)), Path.Combine(directory, name));
        finished.Add(new ShardFile(name, tokensInShard, Convert.ToHexStringLower(hash!.GetHashAndReset())));
        hash.Dispose();
        (stream, hash) = (null, null);
    }

    public void Dispose()
    {
        stream?.Dispose();
        hash?.Dispose();
    }
}
