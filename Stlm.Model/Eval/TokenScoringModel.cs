using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores with a token model (Llama, LayerSkip through its last layer, mixture-of-depths) and its
/// tokenizer. A text starts after the end-of-text token, as documents do in training.
/// Continuations are encoded as lm-evaluation-harness does: the context's trailing whitespace
/// moves to the continuation, context + continuation is encoded as one string, and the tokens
/// after the context's own encoding are the continuation's.
/// With the byte tokenizer a text has one spelling, so its score is exact. With a BPE it is the
/// probability of the canonical tokenization only: the model also gives some probability to
/// the other token sequences that spell the same bytes (" c"+"at" for " cat"), so the sum over
/// all of them — the exact −log P(text) — is lower, and intractable to sum (their number grows
/// exponentially with the text). Every published BPE bits-per-byte is this same upper bound.
/// </summary>
public sealed class TokenScoringModel(ICausalLanguageModel model, ITokenizer tokenizer) : UnitScoringModel<int>
{
    public override string Unit => "tokens";
    public override int ContextLength => model.ContextLength;

    public override ScoreExactness Exactness => tokenizer is ByteTokenizer
        ? ScoreExactness.Exact
        : ScoreExactness.UpperBound("the canonical BPE tokenization only");

    protected override long OutputsPerUnit => model.VocabSize;

    /// <summary>Causal models pad; mixture-of-depths does not: its routers pick the top share of a sequence's positions, which padding would change.</summary>
    protected override double Padding => model is MixtureOfDepthsLm ? 0 : WindowBatches.DefaultPadding;

    protected override int[] Start => tokenizer.EndOfText is { } eot
        ? [eot]
        : throw new StlmException($"tokenizer {tokenizer.Name} has no end-of-text token to put before a text; score with a tokenizer that has one (e.g. \"bytes\" rather than \"bytes:raw\")");

    protected override int[] Encode(string text) => tokenizer.Encode(text);

    protected override (int[] Context, int[] Continuation) EncodePair(string context, string continuation)
    {
        var spaces = context.Length - context.TrimEnd().Length;
        if (spaces > 0) (context, continuation) = (context[..^spaces], context[^spaces..] + continuation);
        var whole = tokenizer.Encode(context + continuation);
        var before = tokenizer.Encode(context);
        return (before, whole[Math.Min(before.Length, whole.Length)..]);
    }

    protected override double[][] LogProbs(IReadOnlyList<ScoringWindow<int>> windows)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var (rows, length, from) = (windows.Count, WindowTails.Longest(windows), WindowTails.EarliestTarget(windows));
        var device = (model as Module)?.Device ?? Device.Cpu;
        var ids = Torch.From(WindowTails.Padded(windows, i => i, tokenizer.EndOfText ?? 0), rows, length).To(device);       // [B, L], short rows right-padded
        // Contiguous before the softmax: libtorch's log_softmax of a narrowed view is an order of magnitude slower.
        var logits = model.Forward(ids).Narrow(1, from - 1, length - from).Contiguous();                                 // [B, n, V]: positions predicting from..L-1
        var targets = ids.Narrow(1, from, length - from).Unsqueeze(-1);                                                   // [B, n, 1]
        var logProbs = logits.LogSoftmax(-1, DType.Float32).Gather(-1, targets);                                          // [B, n, 1]
        return WindowTails.Split(logProbs.Reshape(-1).To(Device.Cpu).To(DType.Float64).ToArray<double>(), windows, from);
    }
}
