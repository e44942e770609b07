using Stlm.Model.Generation;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Architectures;

/// <summary>
/// Generation with the byte-pooling model, one chunk at a time (greedy, or any sampler's choice per byte): encode the chunks so far,
/// run the core, and let the byte decoder spell the next chunk from the last position's hidden
/// state, byte by byte, until it predicts the end symbol (or the chunk is max-token-bytes long).
/// The new chunk's boundary is the decoder's own choice; the BPE is needed for the prompt only.
/// </summary>
public static class BytePooledGenerator
{
    public static List<byte[]> Greedy(BytePooledLm model, IReadOnlyList<byte[]> promptChunks, int maxNewChunks) =>
        Generate(model, promptChunks, maxNewChunks, new TokenSampler(new SamplingOptions { Temperature = 0 }));

    /// <summary>Each byte drawn by <paramref name="sampler"/> from the decoder's 257 logits (the end symbol is never a chunk's first).</summary>
    public static List<byte[]> Generate(BytePooledLm model, IReadOnlyList<byte[]> promptChunks, int maxNewChunks, TokenSampler sampler)
    {
        if (promptChunks.Count == 0) throw new StlmException("byte-pooled generation needs a prompt of at least one chunk");
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            var chunks = new List<byte[]>(promptChunks);
            var generated = new List<byte[]>();
            for (var i = 0; i < maxNewChunks; i++)
            {
                var context = chunks.Skip(Math.Max(0, chunks.Count - model.Config.ContextLength)).ToList();   // crop to the core's context
                var next = NextChunk(model, context, sampler);
                chunks.Add(next);
                generated.Add(next);
            }
            return generated;
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    static byte[] NextChunk(BytePooledLm model, IReadOnlyList<byte[]> chunks, TokenSampler sampler)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var m = model.MaxTokenBytes;
        var device = model.Device;
        var batch = ByteChunkBatch.Collate([chunks], m, device);                            // [1, T, M]
        var tokens = model.Encoder.Forward(batch.Bytes, batch.Mask);                       // [1, T, d]
        var last = model.Model.Forward(tokens).Narrow(1, chunks.Count - 1, 1);             // [1, 1, d]

        var spelled = new List<byte>();
        var next = new long[m];
        Array.Fill(next, ByteVocabulary.Pad);
        while (spelled.Count < m)
        {
            using var step = TorchScope.Begin();
            var logits = model.Decoder.Forward(last, Torch.From(next, 1, 1, m).To(device));   // [1, 1, M + 1, 257]
            var row = logits.Select(2, spelled.Count).Reshape(-1).To(DType.Float32).ToArray<float>();   // [257]
            // A chunk has at least one byte; after that the end symbol closes it.
            if (spelled.Count == 0) row[ByteVocabulary.EndOfChunk] = float.NegativeInfinity;
            var symbol = sampler.Next(row);
            if (symbol == ByteVocabulary.EndOfChunk) break;
            next[spelled.Count] = symbol;
            spelled.Add((byte)symbol);
        }
        return spelled.ToArray();
    }
}
