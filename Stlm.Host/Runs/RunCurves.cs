using Stlm.Actors.Training.Views;
using Stlm.Host.Charts;

namespace Stlm.Host.Runs;

/// <summary>The chart of `stlm show`: loss of each run in the lineage (solid), evaluations (dashed, with dots), fork points marked.</summary>
public static class RunCurves
{
    public static LineChart Chart(string runId, IReadOnlyList<RunSeries> lineage)
    {
        var series = new List<ChartSeries>();
        var markers = new List<ChartMarker>();
        for (var i = 0; i < lineage.Count; i++)
        {
            var run = lineage[i];
            var color = LineChart.Palette[i % LineChart.Palette.Length];
            series.Add(new ChartSeries($"{run.RunId} loss", [.. run.Loss.Select(p => new ChartPoint(p.Step, p.Value))], color));
            foreach (var e in run.Evals)
                series.Add(new ChartSeries($"{run.RunId} {e.Task}/{e.Metric}", [.. e.Points.Select(p => new ChartPoint(p.Step, p.Value))],
                    color, Dashed: true, ShowPoints: true));
            if (run.ForkStep is { } fork)
                markers.Add(new ChartMarker(fork, $"fork {run.RunId} @{fork}"));
        }
        return new LineChart($"run {runId}", "step", "loss / eval", series, markers);
    }
}
