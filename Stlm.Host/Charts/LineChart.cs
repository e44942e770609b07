namespace Stlm.Host.Charts;

public readonly record struct ChartPoint(double X, double Y);

/// <param name="Color">An "#rrggbb" colour; null takes the next one from the palette.</param>
/// <param name="Dashed">E.g. eval loss beside a solid train loss.</param>
/// <param name="ShowPoints">Draw a dot at each point (sparse series such as evaluations).</param>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string? Color = null, bool Dashed = false, bool ShowPoints = false);

/// <summary>A vertical line across the plot at X, e.g. the step a run was forked from.</summary>
public sealed record ChartMarker(double X, string Label);

/// <summary>
/// A line chart of one or more series, written as SVG or PNG by the chart writers. Points
/// that are not finite (or not positive on a log axis) are left out, splitting the line.
/// The axes span the data, and at least <see cref="CoverFrom"/>..<see cref="CoverTo"/> when
/// given (e.g. accuracies on 0..1, or stacked panels sharing one step range; a coordinate that
/// is not finite constrains nothing).
/// </summary>
public sealed record LineChart(
    string Title,
    string XLabel,
    string YLabel,
    IReadOnlyList<ChartSeries> Series,
    IReadOnlyList<ChartMarker>? Markers = null,
    bool LogY = false,
    int Width = 960,
    int Height = 540,
    ChartPoint? CoverFrom = null,
    ChartPoint? CoverTo = null)
{
    public static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
}
