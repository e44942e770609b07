using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Tokenizers;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores with the byte-pooling model. Units are chunks (the boundary BPE's tokens, split at
/// max-token-bytes); a chunk's log-probability is the sum over its bytes and the end-of-chunk
/// symbol, so a text's score is that of its bytes in the BPE's segmentation (an upper bound on
/// −log P(text), which would sum over every segmentation). A text starts after the chunks of
/// the end-of-text token's spelling, as documents do in the BPE shards it trained on. One
/// window reads the core's context of chunks plus the chunk its last position predicts.
/// </summary>
public sealed class BytePooledScoringModel(BytePooledLm model, ITokenizer boundaries) : UnitScoringModel<byte[]>
{
    public override string Unit => "chunks";
    public override int ContextLength => model.Config.Core.ContextLength + 1;

    protected override byte[][] Start => boundaries.EndOfText is { } eot
        ? [.. ByteChunker.Chunk([eot], boundaries, model.Config.MaxTokenBytes)]
        : throw new StlmException($"tokenizer {boundaries.Name} has no end-of-text token to put before a text; the byte-pooled model scores with the BPE it trained on");

    protected override byte[][] Encode(string text) => [.. ByteChunker.Chunk(text, boundaries, model.Config.MaxTokenBytes)];

    protected override double[] LogProbs(IReadOnlyList<byte[]> input, int from)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var batch = ByteChunkBatch.Collate([input], model.Config.MaxTokenBytes, model.Device);                    // [1, L, M]
        var logits = model.Forward(batch.Inputs, batch.Targets.Bytes);                                           // [1, L-1, M+1, 257]
        var targets = NextChunkByteDecoder.Targets(batch.Targets.Bytes, batch.Targets.Mask);                     // [1, L-1, M+1]
        var nll = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)).To(DType.Float32), targets.Reshape(-1), Reduction.None,
            ignoreIndex: ByteVocabulary.IgnoreIndex);                                                            // [(L-1)(M+1)], 0 where ignored
        var perChunk = nll.View(input.Count - 1, -1).Sum(-1);                                                    // [L-1]: chunk j+1's nll
        return perChunk.Narrow(0, from - 1, input.Count - from).Neg().To(Device.Cpu).To(DType.Float64).ToArray<double>();
    }
}
