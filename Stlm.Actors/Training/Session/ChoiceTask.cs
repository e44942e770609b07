using Stlm.Model.Eval;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// A multiple-choice task read once for the session (eval.tasks) and shared, read-only, by the
/// evaluators: scored as `stlm eval --task` scores it (one log-likelihood per option, in order;
/// <see cref="MultipleChoiceScorer"/>), so a journaled result equals the command's on that checkpoint.
/// </summary>
public sealed record ChoiceTask(string Name, IReadOnlyList<MultipleChoiceItem> Items)
{
    public static IReadOnlyList<ChoiceTask> Load(IEnumerable<EvalTaskSpec> specs) =>
        [.. specs.Select(s => new ChoiceTask(s.Name, s.ReadItems()))];

    /// <summary>Scores questions [from, to) one by one, as MultipleChoiceScorer.Score does for the whole list.</summary>
    public IReadOnlyList<MultipleChoiceScorer.ItemScore> ScoreRange(IScoringModel scorer, int from, int to) =>
        [.. Items.Skip(from).Take(to - from).Select(item => MultipleChoiceScorer.ScoreItem(item,
            i => i.Options.Select(o => scorer.LogLikelihood(o.Context, o.Continuation).LogProb).ToArray()))];

    /// <summary>
    /// Contiguous ranges of questions for up to <paramref name="parts"/> evaluators side by side;
    /// summarised in question order they give the same result as scoring the list at once.
    /// </summary>
    public IReadOnlyList<(int From, int To)> Shards(int parts)
    {
        var n = Math.Max(1, Math.Min(parts, Items.Count));
        return [.. Enumerable.Range(0, n).Select(i => (Items.Count * i / n, Items.Count * (i + 1) / n))];
    }

    /// <summary>The metrics journaled in EvalCompleted: acc, acc_norm and the number of questions scored.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> Metrics(MultipleChoiceScorer.Result r) =>
        [new("acc", r.Acc), new("acc_norm", r.AccNorm), new("items", r.Count)];
}
