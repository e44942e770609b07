using System.Buffers.Binary;
using System.Xml.Linq;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;
using Stlm.Host.Charts;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Charts;

public class ChartImageTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static LineChart Sample(bool logY = false) => new(
        "run a & its fork <b>", "step", "loss",
        [
            new ChartSeries("a train", Enumerable.Range(0, 100).Select(s => new ChartPoint(s * 10, 10 * Math.Exp(-s / 30.0) + 2)).ToList()),
            new ChartSeries("a eval", [new(250, 6), new(500, 4), new(750, 3)], Dashed: true, ShowPoints: true),
            new ChartSeries("b train", Enumerable.Range(50, 50).Select(s => new ChartPoint(s * 10, 9 * Math.Exp(-s / 25.0) + 2)).ToList(), "#d62728"),
        ],
        [new ChartMarker(500, "fork b @500"), new ChartMarker(800, "fork c @800")],
        logY, Width: 480, Height: 300);

    static IReadOnlyList<string> Texts(string svg) =>
        [.. XDocument.Parse(svg).Descendants(Svg + "text").Select(t => t.Value.Trim())];

    static IReadOnlyList<Scatter> Lines(LineChart chart) =>
        [.. ChartPlot.Build(chart, (line, _) => line.LinePattern = LinePattern.Dashed).GetPlottables().OfType<Scatter>()];

    [Fact]
    public void A_png_is_the_panels_stacked_at_twice_their_size_with_each_series_in_its_own_colour()
    {
        var bottom = Sample() with { Series = [new ChartSeries("green", [new(0, 0), new(1, 1)], "#2ca02c")], Markers = null };
        var png = ChartImage.Png([Sample(), bottom]);

        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal((960, 1200), (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20))));
        using var image = SKBitmap.Decode(png);
        bool Has(string hex, int fromRow, int toRow)
        {
            var want = SKColor.Parse(hex);
            for (var y = fromRow; y < toRow; y++)
                for (var x = 0; x < image.Width; x++)
                    if (image.GetPixel(x, y) == want) return true;
            return false;
        }
        Assert.True(Has("#d62728", 0, 600), "the top panel draws its red series");
        Assert.False(Has("#2ca02c", 0, 600), "the top panel has no green series");
        Assert.True(Has("#2ca02c", 600, 1200), "the bottom panel draws its green series");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_svg_carries_the_title_the_legend_and_the_marker_labels_as_text_and_dashes_as_dasharrays(bool logY)
    {
        var svg = ChartImage.Svg([Sample(logY)]);
        var texts = Texts(svg);

        Assert.Contains("run a & its fork <b>", texts);
        foreach (var name in new[] { "a train", "a eval", "b train", "fork b @500", "fork c @800" }) Assert.Contains(name, texts);
        Assert.Contains(logY ? "loss (log scale)" : "loss", texts);
        // The eval series, its legend sample and the two markers are dashed.
        Assert.True(svg.Split("stroke-dasharray=\"6 4\"").Length - 1 >= 4, "dashed lines");
        Assert.DoesNotContain("stroke-opacity=\"0.996", svg);
    }

    [Fact]
    public void A_log_axis_labels_its_ticks_with_the_values_and_plots_their_logarithms()
    {
        var texts = Texts(ChartImage.Svg([Sample(logY: true)]));
        Assert.Contains("10", texts);
        Assert.Contains("5", texts);
        Assert.Contains("2", texts);

        var train = Lines(Sample(logY: true))[0];
        Assert.Equal(Math.Log10(12), train.Data.GetScatterPoints()[0].Y, 12);
    }

    [Fact]
    public void Non_finite_and_on_a_log_axis_non_positive_points_break_the_line()
    {
        var chart = new LineChart("t", "step", "loss",
            [new ChartSeries("s", [new(0, 3), new(1, 2), new(2, double.NaN), new(3, 1), new(4, 0), new(5, 0.5), new(6, 0.4)])], LogY: true);

        var segments = Lines(chart);

        Assert.Equal([2, 1, 2], segments.Select(s => s.Data.GetScatterPoints().Count));
        Assert.Equal("s", segments[0].LegendText);
        Assert.All(segments.Skip(1), s => Assert.True(string.IsNullOrEmpty(s.LegendText)));
    }

    [Fact]
    public void A_long_series_is_thinned_to_a_few_points_per_column_keeping_its_extremes()
    {
        var points = Enumerable.Range(0, 100_000).Select(s => new ChartPoint(s, Math.Sin(s * 0.37) + (s == 51_234 ? 5 : 0))).ToList();
        var chart = new LineChart("t", "step", "y", [new ChartSeries("s", points)], Width: 600, Height: 300);

        var drawn = Lines(chart).Single().Data.GetScatterPoints();

        Assert.InRange(drawn.Count, 600, 4 * 601);
        Assert.Equal(points.Max(p => p.Y), drawn.Max(p => p.Y));
        Assert.Equal(points.Min(p => p.Y), drawn.Min(p => p.Y));
        Assert.Equal((0, 99_999), (drawn[0].X, drawn[^1].X));
    }

    [Fact]
    public void The_axes_cover_the_given_range_even_where_no_point_reaches_it()
    {
        var chart = new LineChart("acc", "step", "accuracy", [new ChartSeries("a", [new(10, 0.4), new(20, 0.6)])],
            CoverFrom: new ChartPoint(0, 0), CoverTo: new ChartPoint(100, 1));

        var limits = ChartPlot.Build(chart, (_, _) => { }).Axes.GetLimits();

        Assert.True(limits.Left <= 0 && limits.Right >= 100 && limits.Bottom <= 0 && limits.Top >= 1, limits.ToString());
    }

    [Theory]
    [InlineData("curves.png", "curves.svg")]
    [InlineData("curves.svg", "curves.png")]
    public void Write_puts_the_other_format_beside_the_requested_file(string requested, string beside)
    {
        using var dir = new TempDirectory();
        var written = ChartImage.Write([Sample()], dir.File(Path.Combine("sub", requested)));

        Assert.Equal([dir.File(Path.Combine("sub", requested)), dir.File(Path.Combine("sub", beside))], written);
        Assert.All(written, f => Assert.True(new FileInfo(f).Length > 1000, f));
        Assert.StartsWith("<?xml", File.ReadAllText(dir.File(Path.Combine("sub", "curves.svg"))));
    }

    [Fact]
    public void Write_refuses_other_extensions_in_one_line()
    {
        var error = Assert.Throws<StlmException>(() => ChartImage.Write([Sample()], "chart.jpg"));
        Assert.Contains(".png or .svg", error.Message);
    }
}
