using System.Text;

namespace Stlm.Model.Eval;

/// <summary>
/// Scoring in a model's own units, shared by every architecture: a text is the units of
/// <see cref="Start"/> (what precedes a document in training: the end-of-text token, its bytes,
/// or MEGABYTE's separator byte, so the text's first unit is predicted too) followed by the
/// text's units, scored over <see cref="SlidingWindows"/>. A subclass says how to encode a text
/// and gives log P(unit j | units before j) for the tail of one window.
/// </summary>
public abstract class UnitScoringModel<TUnit> : IScoringModel
{
    public abstract string Unit { get; }
    public abstract int ContextLength { get; }

    /// <summary>The units before a text with no context (never empty: the first unit of a text needs something to be predicted from).</summary>
    protected abstract TUnit[] Start { get; }

    protected abstract TUnit[] Encode(string text);

    /// <summary>log P(input[j] | input[0..j)) in nats for j = from .. input.Count − 1 (from ≥ 1, input.Count ≤ ContextLength).</summary>
    protected abstract double[] LogProbs(IReadOnlyList<TUnit> input, int from);

    /// <summary>The context's and the continuation's units (override to encode them jointly, as the harness does for BPEs).</summary>
    protected virtual (TUnit[] Context, TUnit[] Continuation) EncodePair(string context, string continuation) =>
        (Encode(context), Encode(continuation));

    public BitsPerByte ScoreText(string text, int stride, Action<long, long>? progress = null)
    {
        var start = Start;
        var sequence = start.Concat(Encode(text)).ToArray();
        var (nll, units) = Score(sequence, start.Length, stride, progress);
        return new BitsPerByte(nll, units, Encoding.UTF8.GetByteCount(text));
    }

    public ContinuationScore LogLikelihood(string context, string continuation)
    {
        var (before, after) = EncodePair(context, continuation);
        if (before.Length == 0) before = Start;
        var (nll, units) = Score([.. before, .. after], before.Length, ContextLength - 1);
        return new ContinuationScore(-nll, (int)units, Encoding.UTF8.GetByteCount(continuation));
    }

    (double Nll, long Units) Score(TUnit[] sequence, int firstTarget, int stride, Action<long, long>? progress = null)
    {
        double nll = 0;
        long units = 0;
        foreach (var w in SlidingWindows.Over(sequence.Length, firstTarget, ContextLength, stride))
        {
            var logProbs = LogProbs(new ArraySegment<TUnit>(sequence, w.Start, w.End - w.Start), w.FirstTarget - w.Start);
            nll -= logProbs.Sum();
            units += logProbs.Length;
            progress?.Invoke(units, sequence.Length - firstTarget);
        }
        return (nll, units);
    }
}
