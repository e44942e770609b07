using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.Architectures.BytePooling;

/// <summary>
/// The byte-pooling model's likelihood computed the slow, obvious way, independently of the
/// scorer's batched teacher forcing: one core pass per segmentation, then each chunk spelled
/// byte by byte through the decoder as generation does (BytePooledGenerator), summing the
/// log-probability of each byte and of the end symbol. Normalised: the end symbol is impossible
/// first and certain after max-token-bytes; raw: the decoder's plain softmax, as training uses.
/// </summary>
static class BytePooledReference
{
    /// <summary>log P(chunks[first..] | chunks[..first]) of one segmentation (all chunks within the core's context plus one).</summary>
    public static double LogProb(BytePooledLm model, IReadOnlyList<byte[]> chunks, int first, bool raw = false)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var read = chunks.Take(chunks.Count - 1).ToList();
        var batch = ByteChunkBatch.Collate([read], model.MaxTokenBytes, model.Device);
        var hidden = model.Model.Forward(model.Encoder.Forward(batch.Bytes, batch.Mask));   // [1, T − 1, d]
        double sum = 0;
        for (var i = first; i < chunks.Count; i++)
            sum += ChunkLogProb(model, hidden.Narrow(1, i - 1, 1), chunks[i], raw);
        return sum;
    }

    /// <summary>Every way to cut <paramref name="bytes"/> into chunks of 1..<paramref name="maxChunk"/> bytes.</summary>
    public static IEnumerable<List<byte[]>> Segmentations(byte[] bytes, int maxChunk)
    {
        if (bytes.Length == 0)
        {
            yield return [];
            yield break;
        }
        for (var n = 1; n <= Math.Min(maxChunk, bytes.Length); n++)
            foreach (var rest in Segmentations(bytes[n..], maxChunk))
                yield return [bytes[..n], .. rest];
    }

    static double ChunkLogProb(BytePooledLm model, Tensor hidden, byte[] chunk, bool raw)
    {
        var m = model.MaxTokenBytes;
        var next = Enumerable.Repeat((long)ByteVocabulary.Pad, m).ToArray();
        double sum = 0;
        for (var j = 0; j <= chunk.Length; j++)
        {
            if (j == m && !raw) break;   // a full chunk ends for sure
            using var step = TorchScope.Begin();
            var logits = model.Decoder.Forward(hidden, Torch.From(next, 1, 1, m).To(model.Device));   // [1, 1, M + 1, 257]
            var row = logits.Select(2, j).Reshape(-1).To(DType.Float32).ToArray<float>().Select(x => (double)x).ToArray();
            if (j == 0 && !raw) row[ByteVocabulary.EndOfChunk] = double.NegativeInfinity;
            var symbol = j < chunk.Length ? chunk[j] : ByteVocabulary.EndOfChunk;
            var max = row.Max();
            sum += row[symbol] - max - Math.Log(row.Sum(x => Math.Exp(x - max)));
            if (j < chunk.Length) next[j] = chunk[j];
        }
        return sum;
    }
}
