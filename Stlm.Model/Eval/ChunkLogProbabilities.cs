using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Eval;

/// <summary>
/// log P(next chunk) under the byte-pooling model's decoder, as generation samples it
/// (<see cref="BytePooledGenerator"/>). The decoder's raw softmax spreads some mass over chunks
/// that cannot occur — the end symbol as a chunk's first output (an empty chunk) and a byte as
/// output M (a chunk longer than max-token-bytes) — which training never asks for and generation
/// never samples: it forbids the end symbol first and stops after M bytes. So the model's
/// distribution over chunks of 1..M bytes is the decoder's with those two corrections:
///   P(b₀ … b_{n−1}) = softmax_without_end(o₀)[b₀] · Π_{0&lt;j&lt;n} softmax(o_j)[b_j] · (n &lt; M ? softmax(o_n)[end] : 1),
/// which sums to 1 over all such chunks. The training loss uses the raw softmax, so it is a
/// little higher than this.
/// </summary>
public static class ChunkLogProbabilities
{
    /// <summary>Decoder logits [B, T, M + 1, 257] and the next chunks' bytes and mask [B, T, M] → log P(next chunk) [B, T] (float32).</summary>
    public static Tensor Of(Tensor logits, Tensor nextBytes, Tensor nextMask)
    {
        using var scope = TorchScope.Begin();
        var m = (int)nextBytes.Size(-1);
        var targets = NextChunkByteDecoder.Targets(nextBytes, nextMask);                        // [B, T, M + 1]: bytes, end, ignore
        var real = targets >= 0;
        var logProbs = (logits.To(DType.Float32) + NoEndFirst(m, logits.Device)).LogSoftmax(-1);  // [B, T, M + 1, 257]
        var picked = logProbs.Gather(-1, targets.MaskedFill(!real, 0).Unsqueeze(-1)).Reshape(targets.Shape);
        var counted = real & BeforeLast(m, logits.Device);                                      // output M's end is certain
        return scope.Keep(picked.MaskedFill(!counted, 0).Sum(-1));                              // [B, T]
    }

    /// <summary>[M + 1, 257]: −∞ on the end symbol of output 0, else 0 (added to the logits).</summary>
    static Tensor NoEndFirst(int m, Device device)
    {
        var bias = new float[(m + 1) * ByteVocabulary.EmbeddingRows];
        bias[ByteVocabulary.EndOfChunk] = float.NegativeInfinity;
        return Torch.From(bias, m + 1, ByteVocabulary.EmbeddingRows).To(device);
    }

    /// <summary>[M + 1]: true on outputs 0..M−1.</summary>
    static Tensor BeforeLast(int m, Device device) =>
        Torch.From(Enumerable.Range(0, m + 1).Select(j => j < m).ToArray(), m + 1).To(device);
}
