using System.Globalization;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Views;

/// <summary>The best value of one evaluation metric over a run (lowest, or highest for accuracies).</summary>
public sealed record BestEval(string Task, string Metric, double Value, long Step);

/// <summary>The newest evaluation of one task (by step; at one step, the one journaled last) with all its metrics.</summary>
public sealed record LatestEval(string Task, long Step, IReadOnlyDictionary<string, double> Metrics);

/// <summary>One line of `stlm runs`; <paramref name="LatestEvals"/>: each task's newest result, tasks in the order first evaluated.</summary>
public sealed record RunSummary(
    string Id,
    string Status,
    long Step,
    long Tokens,
    double? LastLoss,
    BestEval? BestEval,
    string? Parent,
    long? ForkStep,
    DateTimeOffset Created,
    int Checkpoints,
    string StatusReason,
    IReadOnlyList<LatestEval> LatestEvals)
{
    /// <summary>Evaluations its checkpoints owe ("task@step", oldest first): handed to the cluster's evaluators, not journaled yet.</summary>
    public IReadOnlyList<string> PendingEvals { get; init; } = [];

    public static RunSummary From(RunState s) => new(
        s.RunId,
        StatusName(s.Status),
        s.Step,
        s.Tokens,
        s.LastStep?.Loss,
        Best(s),
        s.Fork?.ParentRunId,
        s.Fork?.ForkStep,
        DateTimeOffset.FromUnixTimeMilliseconds(s.Created?.CreatedUnixMs ?? 0),
        s.LiveCheckpoints.Count(),
        s.StatusReason,
        Latest(s))
    {
        PendingEvals = [.. s.PendingEvaluations.Select(o => o.ToString())],
    };

    /// <summary>"owes 2 evaluations: heldout@4, hellaswag@4", or null when none is owed.</summary>
    public string? PendingLine() => PendingEvals.Count == 0 ? null
        : $"owes {PendingEvals.Count} evaluation{(PendingEvals.Count == 1 ? "" : "s")} to the cluster's evaluators: {string.Join(", ", PendingEvals)}";

    /// <summary>What a run journaled as running shows when no process trains it any more (see RunLeaseStore.HolderIsGone).</summary>
    public const string InterruptedStatus = "interrupted";

    /// <summary>This run, journaled as running, with no live trainer: its process was killed or its start broke.</summary>
    public RunSummary AsInterrupted() => this with
    {
        Status = InterruptedStatus,
        // A running run's reason is an Interrupted event's: what stopped its training.
        StatusReason = StatusReason.Length > 0
            ? $"{StatusReason}; resume with: stlm resume {Id}"
            : $"no process trains it any more (killed, or stopped at its start); resume with: stlm resume {Id}",
    };

    public static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Paused => "paused",
        RunStatus.Failed => "failed",
        RunStatus.Completed => "completed",
        _ => "unknown",
    };

    /// <summary>Accuracy-like metrics are better high; losses, perplexities and bits per byte low.</summary>
    public static bool HigherIsBetter(string metric) =>
        metric.StartsWith("acc", StringComparison.OrdinalIgnoreCase) || metric.Contains("accuracy", StringComparison.OrdinalIgnoreCase);

    // The metric a run is ranked by is the first loss-like one it reported (e.g. held-out bits per
    // byte), else its first: multiple-choice tasks finish in any order beside the held-out one.
    static BestEval? Best(RunState s)
    {
        var first = s.Evals.FirstOrDefault(e => e.Metrics.Count > 0 && !HigherIsBetter(e.Metrics[0].Name))
            ?? s.Evals.FirstOrDefault(e => e.Metrics.Count > 0);
        if (first is null) return null;
        var (task, metric) = (first.Task, first.Metrics[0].Name);
        var candidates = s.Evals.Where(e => e.Task == task)
            .SelectMany(e => e.Metrics.Where(m => m.Name == metric).Select(m => new BestEval(task, metric, m.Value, e.Step)));
        return HigherIsBetter(metric) ? candidates.MaxBy(b => b.Value) : candidates.MinBy(b => b.Value);
    }

    static IReadOnlyList<LatestEval> Latest(RunState s) =>
        [.. s.Evals.GroupBy(e => e.Task).Select(g =>
        {
            var newest = g.Select((e, order) => (e, order)).MaxBy(x => (x.e.Step, x.order)).e;
            return new LatestEval(g.Key, newest.Step, newest.Metrics.GroupBy(m => m.Name).ToDictionary(m => m.Key, m => m.Last().Value));
        })];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} {Status} step {Step}");
}
