using Stlm.Actors.Training.Views;
using Stlm.Host.Charts;

namespace Stlm.Host.Runs;

/// <summary>
/// The chart of `stlm show`, as panels stacked on one step axis: loss of each run in the lineage
/// (solid) with its loss-scale evaluations (held-out bits per byte and nats per token: dashed,
/// with dots), fork points marked; and, when the runs have multiple-choice results, their
/// accuracies (0..1) below, one colour per task, acc_norm solid and acc dashed. With
/// <c>logLoss</c> the loss panel's axis is logarithmic (the late, slow part of a curve stays readable).
/// </summary>
public static class RunCurves
{
    const int PanelHeight = 420;

    static readonly string[] ChoiceMetrics = ["acc", "acc_norm"];

    /// <summary>Metrics that count things rather than measure loss: left out of the curves.</summary>
    static readonly string[] Counts = ["tokens", "items"];

    /// <summary>
    /// The series of several runs' lineages drawn together: each run once, whole when it was asked
    /// for itself (a parent beside its fork), else cut at the step its descendant was forked at.
    /// </summary>
    public static IReadOnlyList<RunSeries> Together(IReadOnlyList<IReadOnlyList<RunSeries>> lineages)
    {
        var asked = lineages.Select(l => l[^1].RunId).ToHashSet();
        var drawn = new HashSet<string>();
        var together = new List<RunSeries>();
        foreach (var lineage in lineages)
            foreach (var run in lineage)
                if ((ReferenceEquals(run, lineage[^1]) || !asked.Contains(run.RunId)) && drawn.Add(run.RunId))
                    together.Add(run);
        return together;
    }

    /// <param name="title">The run (or runs) named in the panels' titles.</param>
    /// <param name="lineage">The runs to draw, ancestors first (<see cref="Together"/> for several).</param>
    public static IReadOnlyList<LineChart> Panels(string title, IReadOnlyList<RunSeries> lineage, bool logLoss = false)
    {
        var choiceTasks = lineage.SelectMany(r => r.Evals).Where(e => ChoiceMetrics.Contains(e.Metric)).Select(e => e.Task).Distinct().ToList();
        var losses = new List<ChartSeries>();
        var accuracies = new List<ChartSeries>();
        var markers = new List<ChartMarker>();
        for (var i = 0; i < lineage.Count; i++)
        {
            var run = lineage[i];
            var color = LineChart.Palette[i % LineChart.Palette.Length];
            losses.Add(new ChartSeries($"{run.RunId} loss", Points(run.Loss), color));
            foreach (var e in run.Evals.Where(e => !choiceTasks.Contains(e.Task) && !Counts.Contains(e.Metric)))
                losses.Add(new ChartSeries($"{run.RunId} {e.Task}/{e.Metric}", Points(e.Points), color, Dashed: true, ShowPoints: true));
            foreach (var e in run.Evals.Where(e => choiceTasks.Contains(e.Task) && ChoiceMetrics.Contains(e.Metric)))
                accuracies.Add(new ChartSeries($"{run.RunId} {e.Task}/{e.Metric}", Points(e.Points),
                    LineChart.Palette[choiceTasks.IndexOf(e.Task) % LineChart.Palette.Length], Dashed: e.Metric == "acc", ShowPoints: true));
            if (run.ForkStep is { } fork)
                markers.Add(new ChartMarker(fork, $"fork {run.RunId} @{fork}"));
        }
        var panels = new List<LineChart> { new($"run {title}", "step", "loss / eval", losses, markers, LogY: logLoss, Height: PanelHeight) };
        if (accuracies.Count > 0)
        {
            // Both panels span the same steps, and accuracies their whole 0..1, so the curves line up and compare.
            var steps = losses.Concat(accuracies).SelectMany(s => s.Points).Select(p => p.X).Concat(markers.Select(m => m.X)).ToList();
            var (first, last) = (steps.Min(), steps.Max());
            panels[0] = panels[0] with { CoverFrom = new ChartPoint(first, double.NaN), CoverTo = new ChartPoint(last, double.NaN) };
            panels.Add(new LineChart($"run {title}: multiple-choice accuracy", "step", "accuracy", accuracies, markers, Height: PanelHeight,
                CoverFrom: new ChartPoint(first, 0), CoverTo: new ChartPoint(last, 1)));
        }
        return panels;
    }

    static List<ChartPoint> Points(IEnumerable<StepPoint> points) => [.. points.Select(p => new ChartPoint(p.Step, p.Value))];
}
