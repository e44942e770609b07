using System.Globalization;
using System.Text;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores multiple-choice items by log-likelihood, as lm-evaluation-harness does: acc picks the
/// option with the largest summed log-probability of its continuation; acc_norm divides that
/// sum by the option's length in characters (Unicode code points of the choice text, the
/// harness's len(choice)); acc_bytes by its UTF-8 length (the harness's acc_bytes). Ties go to
/// the first option, like numpy's argmax. Standard errors are the harness's: sample standard
/// deviation of the 0/1 scores over √n.
/// </summary>
public static class MultipleChoiceScorer
{
    /// <summary>log P(continuation | context), summed over the continuation's tokens.</summary>
    public delegate double LogProbability(string context, string continuation);

    /// <summary>Scores a whole item at once (lets a model batch the options); one log-prob per option, in order.</summary>
    public delegate IReadOnlyList<double> ItemLogProbabilities(MultipleChoiceItem item);

    public sealed record ItemScore(MultipleChoiceItem Item, double[] LogProbs, int Predicted, int PredictedNorm, int PredictedBytes)
    {
        public bool Correct => Predicted == Item.Gold;
        public bool CorrectNorm => PredictedNorm == Item.Gold;
        public bool CorrectBytes => PredictedBytes == Item.Gold;
    }

    public sealed record Result(int Count, double Acc, double AccStderr, double AccNorm, double AccNormStderr, double AccBytes, double AccBytesStderr)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"acc {Acc:F4} ± {AccStderr:F4}, acc_norm {AccNorm:F4} ± {AccNormStderr:F4}, count {Count}");
    }

    public static ItemScore ScoreItem(MultipleChoiceItem item, ItemLogProbabilities logProbs)
    {
        var lls = logProbs(item).ToArray();
        if (lls.Length != item.Options.Count)
            throw new InvalidOperationException($"{item.Origin}: got {lls.Length} log-probabilities for {item.Options.Count} options");
        return new ItemScore(item, lls,
            ArgMax(lls, _ => 1.0),
            ArgMax(lls, i => CodePoints(item.Options[i].Choice)),
            ArgMax(lls, i => Encoding.UTF8.GetByteCount(item.Options[i].Choice)));
    }

    public static Result Score(IEnumerable<MultipleChoiceItem> items, LogProbability logProb) =>
        Score(items, item => item.Options.Select(o => logProb(o.Context, o.Continuation)).ToArray());

    public static Result Score(IEnumerable<MultipleChoiceItem> items, ItemLogProbabilities logProbs) =>
        Summarise(items.Select(item => ScoreItem(item, logProbs)).ToList());

    /// <summary>
    /// Scores every item with <paramref name="scorer"/>, handing it the options of
    /// <paramref name="itemsPerCall"/> items at a time so it can batch them (the scores equal
    /// option-by-option scoring). <paramref name="progress"/> hears the items done after each call.
    /// </summary>
    public static IReadOnlyList<ItemScore> ScoreItems(IReadOnlyList<MultipleChoiceItem> items, IScoringModel scorer,
        int itemsPerCall = 256, Action<int>? progress = null, CancellationToken cancel = default)
    {
        var scores = new List<ItemScore>(items.Count);
        foreach (var slice in items.Chunk(Math.Max(1, itemsPerCall)))
        {
            cancel.ThrowIfCancellationRequested();
            var requests = slice.SelectMany(i => i.Options.Select(o => new ContinuationRequest(o.Context, o.Continuation))).ToArray();
            var results = scorer.LogLikelihoods(requests);
            var next = 0;
            foreach (var item in slice)
            {
                var first = next;
                next += item.Options.Count;
                scores.Add(ScoreItem(item, i => results.Skip(first).Take(i.Options.Count).Select(r => r.LogProb).ToArray()));
            }
            progress?.Invoke(scores.Count);
        }
        return scores;
    }

    public static Result Summarise(IReadOnlyList<ItemScore> scores)
    {
        var (acc, accErr) = MeanAndStderr(scores.Select(s => s.Correct));
        var (norm, normErr) = MeanAndStderr(scores.Select(s => s.CorrectNorm));
        var (bytes, bytesErr) = MeanAndStderr(scores.Select(s => s.CorrectBytes));
        return new Result(scores.Count, acc, accErr, norm, normErr, bytes, bytesErr);
    }

    static int ArgMax(double[] values, Func<int, double> divisor)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
            if (values[i] / divisor(i) > values[best] / divisor(best)) best = i;
        return best;
    }

    static int CodePoints(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    static (double Mean, double Stderr) MeanAndStderr(IEnumerable<bool> outcomes)
    {
        var xs = outcomes.Select(b => b ? 1.0 : 0.0).ToArray();
        if (xs.Length == 0) return (double.NaN, double.NaN);
        var mean = xs.Average();
        if (xs.Length == 1) return (mean, double.NaN);
        var variance = xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1);
        return (mean, Math.Sqrt(variance / xs.Length));
    }
}
