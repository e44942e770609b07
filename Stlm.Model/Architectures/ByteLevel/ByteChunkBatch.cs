using Stlm.Model.LibTorch;

namespace Stlm.Model.Architectures;

/// <summary>
/// A batch for the byte-pooling model: Bytes [B, T, M] (int64 byte ids, each chunk left-aligned
/// and padded with <see cref="ByteVocabulary.Pad"/>) and Mask [B, T, M] (bool, true on real bytes).
/// A training batch holds T + 1 chunks per row: chunks 0..T-1 are the input and each position
/// learns the bytes of the chunk after it (<see cref="Inputs"/>, <see cref="Targets"/>).
/// </summary>
public sealed record ByteChunkBatch(Tensor Bytes, Tensor Mask)
{
    public long BatchSize => Bytes.Size(0);
    public long Chunks => Bytes.Size(1);
    public long MaxTokenBytes => Bytes.Size(2);

    /// <summary>Chunks 0 .. T-2 (what the model reads).</summary>
    public ByteChunkBatch Inputs => new(Bytes.Narrow(1, 0, Chunks - 1), Mask.Narrow(1, 0, Chunks - 1));

    /// <summary>Chunks 1 .. T-1 (what each position predicts, byte by byte).</summary>
    public ByteChunkBatch Targets => new(Bytes.Narrow(1, 1, Chunks - 1), Mask.Narrow(1, 1, Chunks - 1));

    /// <summary>
    /// Pads each chunk to <paramref name="maxTokenBytes"/> and stacks the rows. Every row must
    /// hold the same number of chunks (cut windows of T + 1 chunks first).
    /// </summary>
    public static ByteChunkBatch Collate(IReadOnlyList<IReadOnlyList<byte[]>> rows, int maxTokenBytes, Device? device = null)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one row");
        var t = rows[0].Count;
        if (rows.Any(r => r.Count != t))
            throw new ArgumentException($"every row of a batch must hold the same number of chunks; got {string.Join(", ", rows.Select(r => r.Count))}");
        var ids = new long[rows.Count * t * maxTokenBytes];
        var mask = new bool[ids.Length];
        Array.Fill(ids, ByteVocabulary.Pad);
        for (var b = 0; b < rows.Count; b++)
            for (var i = 0; i < t; i++)
            {
                var chunk = rows[b][i];
                if (chunk.Length == 0 || chunk.Length > maxTokenBytes)
                    throw new ArgumentException($"chunk {i} of row {b} has {chunk.Length} bytes; chunks hold 1 to {maxTokenBytes} (use ByteChunker)");
                var at = (b * t + i) * maxTokenBytes;
                for (var j = 0; j < chunk.Length; j++)
                {
                    ids[at + j] = chunk[j];
                    mask[at + j] = true;
                }
            }
        long[] shape = [rows.Count, t, maxTokenBytes];
        var bytes = Torch.From<long>(ids, shape);
        var masks = Torch.From<bool>(mask, shape);
        return device is { } d ? new ByteChunkBatch(bytes.To(d), masks.To(d)) : new ByteChunkBatch(bytes, masks);
    }
}
