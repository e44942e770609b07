using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores with the byte-pooling model. Units are chunks (the boundary BPE's tokens, split at
/// max-token-bytes); a chunk's log-probability is that of its bytes and its end under the
/// decoder, normalised over the chunks the model can produce (<see cref="ChunkLogProbabilities"/>).
/// A text starts after the chunks of the end-of-text token's spelling, as documents do in the
/// BPE shards it trained on. One window reads the core's context of chunks plus the chunk its
/// last position predicts.
///
/// Exactness: the model generates a text as a sequence of chunks whose boundaries it chooses
/// itself (the decoder's end symbol), so its probability of a byte string x (ending at a chunk
/// boundary, as a document does before end-of-text) is the sum over every segmentation s of x
/// into chunks of 1..M bytes of Π P(chunk | chunks before). The core reads the whole chunk
/// history, so segmentations share no state past their first difference: the sum needs a core
/// pass per distinct segmentation prefix, and there are about 2^(n−1) segmentations of n bytes
/// (compositions of n with parts ≤ M) — intractable beyond a few dozen bytes. This scorer
/// reports the term of the one segmentation the model was trained on, the BPE's: −log of one
/// term of the sum, an upper bound on −log P(x). (Stlm.Tests enumerates every segmentation of a
/// short text on a tiny model to check both the term and the bound.)
/// </summary>
public sealed class BytePooledScoringModel(BytePooledLm model, ITokenizer boundaries) : UnitScoringModel<byte[]>
{
    public override string Unit => "chunks";
    public override int ContextLength => model.Config.ContextLength + 1;

    public override ScoreExactness Exactness => ScoreExactness.UpperBound("the BPE segmentation only, of the model's sum over all chunk segmentations");

    protected override long OutputsPerUnit => (model.MaxTokenBytes + 1L) * ByteVocabulary.EmbeddingRows;

    protected override byte[][] Start => boundaries.EndOfText is { } eot
        ? [.. ByteChunker.Chunk([eot], boundaries, model.MaxTokenBytes)]
        : throw new StlmException($"tokenizer {boundaries.Name} has no end-of-text token to put before a text; the byte-pooled model scores with the BPE it trained on");

    protected override byte[][] Encode(string text) => [.. ByteChunker.Chunk(text, boundaries, model.MaxTokenBytes)];

    protected override double[][] LogProbs(IReadOnlyList<ScoringWindow<byte[]>> windows)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var (length, from) = (windows[0].Length, WindowTails.EarliestTarget(windows));
        var batch = ByteChunkBatch.Collate(windows.Select(w => (IReadOnlyList<byte[]>)w.Units).ToArray(), model.MaxTokenBytes, model.Device);  // [B, L, M]
        var logits = model.Forward(batch.Inputs, batch.Targets.Bytes);                                                     // [B, L-1, M+1, 257]
        var perChunk = ChunkLogProbabilities.Of(logits, batch.Targets.Bytes, batch.Targets.Mask);                          // [B, L-1]: chunk j+1's log-prob
        return WindowTails.Split(perChunk.Narrow(1, from - 1, length - from).To(Device.Cpu).To(DType.Float64).ToArray<double>(), windows, from);
    }
}
