namespace Stlm.Host.Charts;

/// <summary>Stacks charts top to bottom into one scene, so quantities on different scales share one image and one step axis.</summary>
public static class ChartStack
{
    public static ChartScene Stack(IReadOnlyList<LineChart> charts)
    {
        var shapes = new List<ChartShape>();
        var y = 0.0;
        foreach (var chart in charts)
        {
            shapes.AddRange(ChartLayout.Layout(chart).Shapes.Select(s => Shift(s, y)));
            y += chart.Height;
        }
        return new ChartScene(charts.Count == 0 ? 0 : charts.Max(c => c.Width), (int)y, shapes);
    }

    static ChartShape Shift(ChartShape shape, double dy) => shape switch
    {
        ChartLine l => l with { Y1 = l.Y1 + dy, Y2 = l.Y2 + dy },
        ChartPolyline p => p with { Segments = [.. p.Segments.Select(s => (IReadOnlyList<ChartPoint>)[.. s.Select(q => q with { Y = q.Y + dy })])] },
        ChartDot d => d with { Y = d.Y + dy },
        ChartRect r => r with { Y = r.Y + dy },
        ChartText t => t with { Y = t.Y + dy },
        _ => throw new ArgumentException($"unknown shape {shape.GetType().Name}"),
    };
}
