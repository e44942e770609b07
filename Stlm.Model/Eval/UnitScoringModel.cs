using System.Text;

namespace Stlm.Model.Eval;

/// <summary>
/// Scoring in a model's own units, shared by every architecture: a text is the units of
/// <see cref="Start"/> (what precedes a document in training: the end-of-text token, its bytes,
/// or MEGABYTE's separator byte, so the text's first unit is predicted too) followed by the
/// text's units, scored over <see cref="SlidingWindows"/>. A subclass says how to encode a text
/// and gives log P(unit j | units before j) for the tail of each window of a batch.
/// Windows are batched (<see cref="WindowBatches"/>): windows of equal length share a forward
/// pass, and for a model whose outputs never depend on later positions (<see cref="Padding"/>)
/// slightly shorter ones too, right-padded; each row's numbers are those it gets alone up to
/// float32 rounding.
/// </summary>
public abstract class UnitScoringModel<TUnit> : IScoringModel
{
    public abstract string Unit { get; }
    public abstract int ContextLength { get; }
    public virtual ScoreExactness Exactness => ScoreExactness.Exact;

    /// <summary>Rows per forward pass at most (1 scores window by window); the logits budget may allow fewer.</summary>
    public int BatchRows { get; init; } = WindowBatches.DefaultRows;

    /// <summary>How much shorter than a batch's longest window a window may be and still join it, right-padded (0: equal lengths only).</summary>
    protected virtual double Padding => 0;

    /// <summary>The units before a text with no context (never empty: the first unit of a text needs something to be predicted from).</summary>
    protected abstract TUnit[] Start { get; }

    /// <summary>Model outputs (logits) per input unit, to keep a batch's logits within <see cref="WindowBatches.OutputBudget"/>.</summary>
    protected abstract long OutputsPerUnit { get; }

    protected abstract TUnit[] Encode(string text);

    /// <summary>
    /// For each window (the first is the longest, L ≤ ContextLength; others are as long unless
    /// <see cref="Padding"/> allows shorter): log P(input[j] | input[0..j)) in nats for
    /// j = from .. length − 1 (from ≥ 1), one array per window, in order.
    /// </summary>
    protected abstract double[][] LogProbs(IReadOnlyList<ScoringWindow<TUnit>> windows);

    /// <summary>The context's and the continuation's units (override to encode them jointly, as the harness does for BPEs).</summary>
    protected virtual (TUnit[] Context, TUnit[] Continuation) EncodePair(string context, string continuation) =>
        (Encode(context), Encode(continuation));

    public BitsPerByte ScoreText(string text, int stride, Action<long, long>? progress = null)
    {
        var start = Start;
        var sequence = start.Concat(Encode(text)).ToArray();
        var windows = Windows(sequence, start.Length, stride).ToList();
        var total = sequence.Length - start.Length;
        long done = 0;
        var scores = Score(windows, finished => progress?.Invoke(done += finished.Sum(w => (long)w.Targets), total));
        // Summed in window order, as one-by-one scoring does, so batching changes no bit of the total.
        double nll = 0;
        long units = 0;
        foreach (var logProbs in scores)
        {
            nll -= logProbs.Sum();
            units += logProbs.Length;
        }
        return new BitsPerByte(nll, units, Encoding.UTF8.GetByteCount(text));
    }

    public ContinuationScore LogLikelihood(string context, string continuation) => LogLikelihoods([new(context, continuation)])[0];

    public IReadOnlyList<ContinuationScore> LogLikelihoods(IReadOnlyList<ContinuationRequest> requests)
    {
        var owners = new List<int>();
        var windows = new List<ScoringWindow<TUnit>>();
        for (var r = 0; r < requests.Count; r++)
        {
            var (before, after) = EncodePair(requests[r].Context, requests[r].Continuation);
            if (before.Length == 0) before = Start;
            foreach (var w in Windows([.. before, .. after], before.Length, ContextLength - 1))
            {
                windows.Add(w);
                owners.Add(r);
            }
        }
        var scores = Score(windows, null);
        var nll = new double[requests.Count];
        var units = new int[requests.Count];
        for (var i = 0; i < windows.Count; i++)
        {
            nll[owners[i]] -= scores[i].Sum();
            units[owners[i]] += scores[i].Length;
        }
        return requests.Select((r, i) => new ContinuationScore(-nll[i], units[i], Encoding.UTF8.GetByteCount(r.Continuation))).ToArray();
    }

    IEnumerable<ScoringWindow<TUnit>> Windows(TUnit[] sequence, int firstTarget, int stride) =>
        SlidingWindows.Over(sequence.Length, firstTarget, ContextLength, stride)
            .Select(w => new ScoringWindow<TUnit>(new ArraySegment<TUnit>(sequence, w.Start, w.End - w.Start), w.FirstTarget - w.Start));

    /// <summary>Every window's log-probabilities, in the windows' order, computed batch by batch.</summary>
    double[][] Score(IReadOnlyList<ScoringWindow<TUnit>> windows, Action<IReadOnlyList<ScoringWindow<TUnit>>>? finished)
    {
        var scores = new double[windows.Count][];
        foreach (var batch in WindowBatches.Plan(windows.Select(w => w.Units.Count).ToArray(), BatchRows, OutputsPerUnit, Padding))
        {
            var rows = batch.Select(i => windows[i]).ToArray();
            var logProbs = LogProbs(rows);
            for (var k = 0; k < batch.Count; k++) scores[batch[k]] = logProbs[k];
            finished?.Invoke(rows);
        }
        return scores;
    }
}

/// <summary>One window to score: the units read, and the first of them that is a target.</summary>
public readonly record struct ScoringWindow<TUnit>(ArraySegment<TUnit> Units, int From)
{
    public int Length => Units.Count;
    public int Targets => Units.Count - From;
}
