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

    public MultipleChoiceScorer.Result Score(IScoringModel scorer) =>
        MultipleChoiceScorer.Score(Items, (MultipleChoiceScorer.LogProbability)((context, continuation) =>
            scorer.LogLikelihood(context, continuation).LogProb));

    /// <summary>The metrics journaled in EvalCompleted: acc, acc_norm and the number of questions scored.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> Metrics(MultipleChoiceScorer.Result r) =>
        [new("acc", r.Acc), new("acc_norm", r.AccNorm), new("items", r.Count)];
}
