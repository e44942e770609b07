using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Host.Charts;

/// <summary>
/// Draws the schedules over training as stacked panels sharing the step axis: learning rate;
/// dropout (with LayerSkip's per-layer rates when on); early-exit loss weights (when on).
/// Exit weights are averaged over buckets of steps, since a rotational curriculum flips them
/// every step and would otherwise paint a solid band.
/// </summary>
public static class ScheduleChart
{
    const int Width = 960, PanelHeight = 320, Buckets = 1000;

    /// <summary>The panels as <paramref name="path"/> (.png or .svg) with the other format beside it.</summary>
    public static void Write(ScheduleSet set, long count, string path) => ChartImage.Write(Panels(set, count), path);

    public static IReadOnlyList<LineChart> Panels(ScheduleSet set, long count)
    {
        var values = new ScheduleValues[count];
        for (var step = 0L; step < count; step++) values[step] = set.At(step);
        var layers = set.Config.EarlyExit.NLayers;
        var shown = ShownLayers(layers);
        var which = shown.Count == layers ? "" : $" (layers {string.Join(", ", shown)} of {layers})";

        var panels = new List<LineChart>
        {
            Panel("Learning rate", "lr", [Series("lr", values, v => v.LearningRate)], Markers(set, ScheduleOverride.Lr)),
        };

        var dropout = new List<ChartSeries> { Series("dropout p", values, v => v.Dropout) };
        var layerDropout = values.Any(v => v.EarlyExit.LayerDropout.Any(p => p > 0));
        if (layerDropout)
            dropout.AddRange(shown.Select(l => Series($"skip layer {l}", values, v => v.EarlyExit.LayerDropout[l]) with { Dashed = true }));
        panels.Add(Panel(layerDropout ? "Dropout and layer dropout" + which : "Dropout", "probability", dropout,
            Markers(set, ScheduleOverride.Dropout, ScheduleOverride.LayerDropout)));

        if (values.Any(v => v.EarlyExit.ExitLossWeights.Take(layers - 1).Any(w => w > 0)))
        {
            // A whole number of rotations per bucket, so each mean sees every phase equally.
            var rotation = set.Config.EarlyExit.Curriculum == ExitCurriculum.Rotational ? set.Config.EarlyExit.RotationInterval : 1;
            var bucket = Math.Max(1, (count + Buckets - 1) / Buckets);
            bucket = (bucket + rotation - 1) / rotation * rotation;
            var weights = shown
                .Select(l => new ChartSeries($"exit {l}", BucketMeans(values, bucket, v => v.EarlyExit.ExitLossWeights[l])))
                .ToList();
            var title = "Early-exit loss weights" + which + (bucket == 1 ? "" : $", mean per {bucket} steps");
            panels.Add(Panel(title, "weight", weights, Markers(set, ScheduleOverride.ExitLossScale, ScheduleOverride.LayerDropout)));
        }
        return panels;
    }

    /// <summary>At most five layers, spread evenly and always the last, so the legend stays small and the colours distinct.</summary>
    static IReadOnlyList<int> ShownLayers(int layers)
    {
        const int Most = 5;
        if (layers <= Most) return [.. Enumerable.Range(0, layers)];
        return [.. Enumerable.Range(0, Most).Select(i => (int)Math.Round(i * (layers - 1) / (double)(Most - 1))).Distinct()];
    }

    static IReadOnlyList<ChartMarker> Markers(ScheduleSet set, params string[] what) =>
        [.. set.Overrides.Where(o => what.Contains(o.What)).Select(o => new ChartMarker(o.FromStep, o.ToString()))];

    static LineChart Panel(string title, string yLabel, IReadOnlyList<ChartSeries> series, IReadOnlyList<ChartMarker> markers) =>
        new(title, "step", yLabel, series, markers, Width: Width, Height: PanelHeight);

    static ChartSeries Series(string name, ScheduleValues[] values, Func<ScheduleValues, double> pick) =>
        new(name, [.. values.Select(v => new ChartPoint(v.Step, pick(v)))]);

    static IReadOnlyList<ChartPoint> BucketMeans(ScheduleValues[] values, long bucket, Func<ScheduleValues, double> pick)
    {
        var points = new List<ChartPoint>();
        for (long start = 0; start < values.Length; start += bucket)
        {
            var end = Math.Min(values.Length, start + bucket);
            var sum = 0.0;
            for (var i = start; i < end; i++) sum += pick(values[i]);
            points.Add(new ChartPoint(start, sum / (end - start)));
        }
        return points;
    }
}
