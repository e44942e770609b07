using System.Globalization;
using ScottPlot;

namespace Stlm.Host.Charts;

/// <summary>
/// One <see cref="LineChart"/> as a ScottPlot plot: a line per series (split where a point is not
/// finite, or not positive on a log axis), dots on sparse series, dashed vertical markers with
/// their labels, the legend in the upper right. A log axis plots log10 of the values and labels
/// its ticks with the values themselves.
/// </summary>
static class ChartPlot
{
    const float LineWidth = 2, MarkerLineWidth = 1.2f, DotSize = 6;
    static readonly Color MarkerInk = Color.FromHex("#707070");

    /// <param name="dashed">Draws a dashed line; the SVG writer passes its own, since Skia's SVG canvas has no dash effect.</param>
    public static Plot Build(LineChart chart, Action<IHasLine, Color> dashed)
    {
        var plot = new Plot();
        // Fixed margins, so stacked panels put their plot areas (and step axes) on the same pixels.
        plot.Layout.Fixed(new PixelPadding(left: 76, right: 24, bottom: 56, top: 44));
        plot.Title(chart.Title, size: 16);
        plot.XLabel(chart.XLabel, size: 13);
        plot.YLabel(chart.YLabel + (chart.LogY ? " (log scale)" : ""), size: 13);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;

        for (var i = 0; i < chart.Series.Count; i++)
        {
            var series = chart.Series[i];
            var color = Color.FromHex(series.Color ?? LineChart.Palette[i % LineChart.Palette.Length]);
            var segments = Segments(Thin(series.Points, chart.Width), chart.LogY);
            for (var s = 0; s < segments.Count; s++)
            {
                var (xs, ys) = segments[s];
                var line = plot.Add.Scatter(xs, ys, color);
                line.LineWidth = LineWidth;
                line.MarkerSize = series.ShowPoints ? DotSize : 0;
                if (series.Dashed) dashed(line, color);
                if (s == 0) line.LegendText = series.Name;
            }
        }

        plot.Axes.AutoScale();
        var limits = Cover(plot.Axes.GetLimits(), chart);
        plot.Axes.SetLimits(limits);
        foreach (var marker in (chart.Markers ?? []).Where(m => double.IsFinite(m.X)))
        {
            var line = plot.Add.VerticalLine(marker.X, MarkerLineWidth, MarkerInk);
            dashed(line, MarkerInk);
            var label = plot.Add.Text(marker.Label, marker.X, limits.Top);
            label.LabelRotation = -90;
            label.LabelAlignment = Alignment.LowerRight;
            label.LabelFontColor = MarkerInk;
            label.LabelFontSize = 12;
            label.LabelBackgroundColor = Colors.White.WithAlpha(0.8);
            label.OffsetX = -3;
            label.OffsetY = 6;
        }
        if (chart.LogY) LogTicks(plot, limits.Bottom, limits.Top);
        if (chart.Series.Count > 0) plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>
    /// Of the points falling in one of <paramref name="columns"/> equal spans of x, keeps the first,
    /// lowest, highest and last: the line looks the same while a 25k-step run costs a few thousand
    /// points (and the SVG a few hundred kilobytes). A point that is not finite is kept, so it
    /// still breaks the line.
    /// </summary>
    static IReadOnlyList<ChartPoint> Thin(IReadOnlyList<ChartPoint> points, int columns)
    {
        var finite = points.Where(p => double.IsFinite(p.X)).Select(p => p.X).ToList();
        if (points.Count <= 4 * columns || finite.Count == 0) return points;
        var (min, span) = (finite.Min(), Math.Max(finite.Max() - finite.Min(), 1e-12));
        var kept = new List<ChartPoint>();
        var column = new List<ChartPoint>();
        var current = long.MinValue;
        void Flush()
        {
            var real = Enumerable.Range(0, column.Count).Where(i => double.IsFinite(column[i].Y)).ToList();
            var keep = new SortedSet<int>(Enumerable.Range(0, column.Count).Where(i => !double.IsFinite(column[i].Y))) { 0, column.Count - 1 };
            if (real.Count > 0) keep.UnionWith([real.MinBy(i => column[i].Y), real.MaxBy(i => column[i].Y)]);
            kept.AddRange(keep.Select(i => column[i]));
            column.Clear();
        }
        foreach (var p in points)
        {
            var at = double.IsFinite(p.X) ? (long)Math.Floor((p.X - min) / span * columns) : current;
            if (at != current && column.Count > 0) Flush();
            current = at;
            column.Add(p);
        }
        Flush();
        return kept;
    }

    /// <summary>Runs of consecutive points that can be drawn, as (x, y) arrays (y as log10 y on a log axis).</summary>
    static List<(double[] Xs, double[] Ys)> Segments(IReadOnlyList<ChartPoint> points, bool logY)
    {
        var segments = new List<(double[], double[])>();
        var run = new List<ChartPoint>();
        foreach (var p in points.Append(new ChartPoint(double.NaN, double.NaN)))
        {
            if (double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0))
            {
                run.Add(p);
                continue;
            }
            if (run.Count > 0) segments.Add(([.. run.Select(q => q.X)], [.. run.Select(q => logY ? Math.Log10(q.Y) : q.Y)]));
            run.Clear();
        }
        return segments;
    }

    /// <summary>
    /// The autoscaled limits widened to <see cref="LineChart.CoverFrom"/>..<see cref="LineChart.CoverTo"/>
    /// (coordinates that are not finite constrain nothing). A cover with both x ends sets the x
    /// axis to that range and the same margin whatever the data, so stacked panels line up.
    /// </summary>
    static AxisLimits Cover(AxisLimits limits, LineChart chart)
    {
        var (left, right, bottom, top) = (limits.Left, limits.Right, limits.Bottom, limits.Top);
        if (chart.CoverFrom is { X: var from } && chart.CoverTo is { X: var to } && double.IsFinite(from) && double.IsFinite(to) && to > from)
            (left, right) = (from - (to - from) * 0.05, to + (to - from) * 0.05);
        foreach (var p in new[] { chart.CoverFrom, chart.CoverTo }.OfType<ChartPoint>())
        {
            if (double.IsFinite(p.X)) (left, right) = (Math.Min(left, p.X), Math.Max(right, p.X));
            var y = chart.LogY ? (p.Y > 0 ? Math.Log10(p.Y) : double.NaN) : p.Y;
            if (double.IsFinite(y)) (bottom, top) = (Math.Min(bottom, y), Math.Max(top, y));
        }
        if (!double.IsFinite(left + right + bottom + top)) return new AxisLimits(0, 1, 0, 1);
        return new AxisLimits(left, right, bottom, top);
    }

    /// <summary>Ticks at 1, 2 and 5 times powers of ten (every mantissa 1–9 when the range is under a decade) between log10 values lo and hi.</summary>
    static void LogTicks(Plot plot, double lo, double hi)
    {
        double[][] mantissas = [[1, 2, 5], [1, 1.5, 2, 3, 4, 5, 6, 8], [1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9]];
        var ticks = new List<double>();
        foreach (var set in mantissas)
        {
            ticks = [.. Enumerable.Range((int)Math.Floor(lo), (int)Math.Ceiling(hi) - (int)Math.Floor(lo) + 1)
                .SelectMany(e => set.Select(m => m * Math.Pow(10, e)))
                .Where(v => Math.Log10(v) >= lo && Math.Log10(v) <= hi)];
            if (ticks.Count >= 5) break;
        }
        plot.Axes.Left.SetTicks([.. ticks.Select(Math.Log10)], [.. ticks.Select(v => v.ToString(v >= 1e5 || v < 1e-3 ? "0.#e0" : "0.####", CultureInfo.InvariantCulture))]);
    }
}
