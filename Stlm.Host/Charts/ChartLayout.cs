namespace Stlm.Host.Charts;

/// <summary>Turns a <see cref="LineChart"/> into a <see cref="ChartScene"/>: axes, grid, series, markers, legend.</summary>
public static class ChartLayout
{
    const double Left = 76, Right = 24, Top = 44, Bottom = 56;
    const double TickFont = 12, LabelFont = 13, TitleFont = 16;
    const string Ink = "#333333", Grid = "#e6e6e6", MarkerInk = "#888888";

    public static ChartScene Layout(LineChart chart)
    {
        var series = chart.Series.Select((s, i) => s with { Color = s.Color ?? LineChart.Palette[i % LineChart.Palette.Length] }).ToList();
        var markers = (chart.Markers ?? []).Where(m => double.IsFinite(m.X)).ToList();
        var valid = series.SelectMany(s => s.Points.Where(p => Shown(p, chart.LogY))).ToList();
        // A cover point may give only X or only Y (the other not finite).
        var covered = new[] { chart.CoverFrom, chart.CoverTo }.OfType<ChartPoint>().ToList();
        var xs = valid.Select(p => p.X).Concat(markers.Select(m => m.X)).Concat(covered.Select(p => p.X).Where(double.IsFinite)).ToList();
        var ys = valid.Select(p => p.Y).Concat(covered.Select(p => p.Y).Where(y => double.IsFinite(y) && (!chart.LogY || y > 0))).ToList();

        var xAxis = NiceTicks.Linear(xs.Count > 0 ? xs.Min() : 0, xs.Count > 0 ? xs.Max() : 1);
        var yAxis = chart.LogY
            ? NiceTicks.Log(ys.Count > 0 ? ys.Min() : 1, ys.Count > 0 ? ys.Max() : 10)
            : NiceTicks.Linear(ys.Count > 0 ? ys.Min() : 0, ys.Count > 0 ? ys.Max() : 1);

        var plot = new Plot(Left, Top, chart.Width - Left - Right, chart.Height - Top - Bottom, xAxis, yAxis);
        var shapes = new List<ChartShape> { new ChartRect("background", 0, 0, chart.Width, chart.Height, "#ffffff", null) };

        AddGridAndTicks(shapes, plot);
        foreach (var m in markers) AddMarker(shapes, plot, m);
        foreach (var s in series) AddSeries(shapes, plot, s, chart.LogY);
        shapes.Add(new ChartRect("frame", plot.X, plot.Y, plot.W, plot.H, null, Ink));

        shapes.Add(new ChartText("title", chart.Width / 2.0, Top / 2 + TitleFont / 3, chart.Title, TitleFont, Ink, TextAnchor.Middle, Bold: true));
        shapes.Add(new ChartText("axis-label", plot.X + plot.W / 2, chart.Height - 12, chart.XLabel, LabelFont, Ink, TextAnchor.Middle));
        shapes.Add(new ChartText("axis-label", 18, plot.Y + plot.H / 2, chart.YLabel + (chart.LogY ? " (log)" : ""), LabelFont, Ink, TextAnchor.Middle, Vertical: true));
        AddLegend(shapes, plot, series);
        return new ChartScene(chart.Width, chart.Height, shapes);
    }

    static bool Shown(ChartPoint p, bool logY) => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!logY || p.Y > 0);

    sealed record Plot(double X, double Y, double W, double H, Axis XAxis, Axis YAxis)
    {
        public double Px(double x) => X + (x - XAxis.Min) / (XAxis.Max - XAxis.Min) * W;

        public double Py(double y) => YAxis.Log
            ? Y + H - (Math.Log10(y) - Math.Log10(YAxis.Min)) / (Math.Log10(YAxis.Max) - Math.Log10(YAxis.Min)) * H
            : Y + H - (y - YAxis.Min) / (YAxis.Max - YAxis.Min) * H;
    }

    static void AddGridAndTicks(List<ChartShape> shapes, Plot plot)
    {
        for (var i = 0; i < plot.XAxis.Ticks.Count; i++)
        {
            var x = plot.Px(plot.XAxis.Ticks[i]);
            shapes.Add(new ChartLine("grid", x, plot.Y, x, plot.Y + plot.H, Grid, 1));
            shapes.Add(new ChartLine("tick", x, plot.Y + plot.H, x, plot.Y + plot.H + 5, Ink, 1));
            shapes.Add(new ChartText("tick-label", x, plot.Y + plot.H + 8 + TickFont, plot.XAxis.Labels[i], TickFont, Ink, TextAnchor.Middle));
        }
        for (var i = 0; i < plot.YAxis.Ticks.Count; i++)
        {
            var y = plot.Py(plot.YAxis.Ticks[i]);
            shapes.Add(new ChartLine("grid", plot.X, y, plot.X + plot.W, y, Grid, 1));
            shapes.Add(new ChartLine("tick", plot.X - 5, y, plot.X, y, Ink, 1));
            shapes.Add(new ChartText("tick-label", plot.X - 8, y + TickFont / 3, plot.YAxis.Labels[i], TickFont, Ink, TextAnchor.End));
        }
    }

    static void AddMarker(List<ChartShape> shapes, Plot plot, ChartMarker marker)
    {
        var x = plot.Px(marker.X);
        shapes.Add(new ChartLine("marker", x, plot.Y, x, plot.Y + plot.H, MarkerInk, 1.2, Dashed: true));
        shapes.Add(new ChartText("marker-label", x - 4, plot.Y + 6, marker.Label, TickFont, MarkerInk, TextAnchor.End, Vertical: true));
    }

    static void AddSeries(List<ChartShape> shapes, Plot plot, ChartSeries s, bool logY)
    {
        // Consecutive kept points form one segment; a dropped point (NaN, or <= 0 on a log axis) breaks the line.
        var segments = new List<IReadOnlyList<ChartPoint>>();
        var current = new List<ChartPoint>();
        foreach (var p in s.Points)
        {
            if (Shown(p, logY))
            {
                current.Add(new ChartPoint(plot.Px(p.X), plot.Py(p.Y)));
                continue;
            }
            if (current.Count > 0) segments.Add(Decimate(current));
            current = [];
        }
        if (current.Count > 0) segments.Add(Decimate(current));
        shapes.Add(new ChartPolyline("series", segments, s.Color!, 2, s.Dashed, s.Name));
        if (s.ShowPoints)
            foreach (var p in s.Points.Where(p => Shown(p, logY)))
                shapes.Add(new ChartDot("point", plot.Px(p.X), plot.Py(p.Y), 3, s.Color!));
    }

    /// <summary>
    /// Keeps, of the points falling in one pixel column, the first, lowest, highest and last:
    /// the drawn line looks the same while a 25k-step run costs a few thousand points.
    /// </summary>
    internal static List<ChartPoint> Decimate(List<ChartPoint> points)
    {
        if (points.Count < 8) return points;
        var kept = new List<ChartPoint>();
        for (var start = 0; start < points.Count;)
        {
            var column = Math.Floor(points[start].X);
            var end = start;
            while (end + 1 < points.Count && Math.Floor(points[end + 1].X) == column) end++;
            if (end - start < 4) kept.AddRange(points.Skip(start).Take(end - start + 1));
            else
            {
                var (low, high) = (start, start);
                for (var i = start; i <= end; i++)
                {
                    if (points[i].Y < points[low].Y) low = i;
                    if (points[i].Y > points[high].Y) high = i;
                }
                foreach (var i in new[] { start, low, high, end }.Distinct().Order()) kept.Add(points[i]);
            }
            start = end + 1;
        }
        return kept;
    }

    static void AddLegend(List<ChartShape> shapes, Plot plot, List<ChartSeries> series)
    {
        if (series.Count == 0) return;
        const double Row = 18, Pad = 8, Sample = 24;
        var width = Pad * 3 + Sample + series.Max(s => s.Name.Length) * TickFont * 0.6;
        var height = Pad * 2 + Row * series.Count - 4;
        var x = plot.X + plot.W - width - 8;
        var y = plot.Y + 8;
        shapes.Add(new ChartRect("legend", x, y, width, height, "#ffffff", "#cccccc"));
        for (var i = 0; i < series.Count; i++)
        {
            var cy = y + Pad + Row * i + 6;
            shapes.Add(new ChartLine("legend-sample", x + Pad, cy, x + Pad + Sample, cy, series[i].Color!, 2, series[i].Dashed));
            shapes.Add(new ChartText("legend-label", x + Pad * 2 + Sample, cy + TickFont / 3, series[i].Name, TickFont, "#333333"));
        }
    }
}
