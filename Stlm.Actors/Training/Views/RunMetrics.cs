using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Views;

public readonly record struct StepPoint(long Step, double Value);

/// <summary>One evaluation metric over steps, e.g. task "validation", metric "bpb".</summary>
public sealed record EvalSeries(string Task, string Metric, IReadOnlyList<StepPoint> Points);

/// <summary>
/// One run's part of a lineage's curves: its losses and evaluations up to <see cref="UpTo"/>
/// (for an ancestor: the step its descendant was forked at), and where it was forked from.
/// </summary>
public sealed record RunSeries(string RunId, long? ForkStep, long UpTo, IReadOnlyList<StepPoint> Loss, IReadOnlyList<EvalSeries> Evals);

public static class RunMetrics
{
    /// <summary>The loss and eval series of one run, cut at <paramref name="upTo"/> (inclusive).</summary>
    public static RunSeries Series(RunState s, long upTo = long.MaxValue)
    {
        var last = Math.Min(upTo, s.Step);
        var loss = new List<StepPoint>();
        for (var step = s.FirstStep; step <= last; step++)
            loss.Add(new StepPoint(step, s.Losses[(int)(step - s.FirstStep)]));
        var evals = s.Evals.Where(e => e.Step <= last)
            .SelectMany(e => e.Metrics.Select(m => (e.Task, m.Name, Point: new StepPoint(e.Step, m.Value))))
            .GroupBy(x => (x.Task, x.Name))
            .Select(g => new EvalSeries(g.Key.Task, g.Key.Name, [.. g.Select(x => x.Point).OrderBy(p => p.Step)]))
            .ToList();
        return new RunSeries(s.RunId, s.Fork?.ForkStep, last, loss, evals);
    }

    /// <summary>
    /// Series of a lineage given oldest first (root .. run): each ancestor is cut at the step
    /// its child was forked from, so the curves join at the fork points.
    /// </summary>
    public static IReadOnlyList<RunSeries> Lineage(IReadOnlyList<RunState> chain) =>
        [.. chain.Select((run, i) => Series(run, i + 1 < chain.Count ? chain[i + 1].Fork!.ForkStep : long.MaxValue))];
}
