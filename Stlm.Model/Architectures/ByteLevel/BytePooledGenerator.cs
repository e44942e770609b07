using Stlm.Model.LibTorch;

namespace Stlm.Model.Architectures;

/// <summary>
/// Greedy generation with the byte-pooling model, one chunk at a time: encode the chunks so far,
/// run the core, and let the byte decoder spell the next chunk from the last position's hidden
/// state, byte by byte, until it predicts the end symbol (or the chunk is max-token-bytes long).
/// The new chunk's boundary is the decoder's own choice; the BPE is needed for the prompt only.
/// </summary>
public static class BytePooledGenerator
{
    public static List<byte[]> Greedy(BytePooledLm model, IReadOnlyList<byte[]> promptChunks, int maxNewChunks)
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
                var context = chunks.Skip(Math.Max(0, chunks.Count - model.Config.Core.ContextLength)).ToList();   // crop to the core's context
                var next = NextChunk(model, context);
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

    static byte[] NextChunk(BytePooledLm model, IReadOnlyList<byte[]> chunks)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var m = model.Config.MaxTokenBytes;
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
            var symbol = (int)logits.Select(2, spelled.Count).Reshape(-1).ArgMax().ToInt64();
            // A chunk has at least one byte; after that the end symbol closes it.
            if (symbol == ByteVocabulary.EndOfChunk && spelled.Count > 0) break;
            if (symbol == ByteVocabulary.EndOfChunk)
                symbol = (int)logits.Select(2, 0).Reshape(-1).Narrow(0, 0, ByteVocabulary.ByteCount).ArgMax().ToInt64();
            next[spelled.Count] = symbol;
            spelled.Add((byte)symbol);
        }
        return spelled.ToArray();
    }
}
