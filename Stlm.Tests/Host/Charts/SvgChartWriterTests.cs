using System.Xml.Linq;
using Stlm.Host.Charts;

namespace Stlm.Tests.Host.Charts;

public class SvgChartWriterTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static LineChart Sample(bool logY = false) => new(
        "run a & its fork <b>", "step", "loss",
        [
            new ChartSeries("a train", Enumerable.Range(0, 100).Select(s => new ChartPoint(s * 10, 10 * Math.Exp(-s / 30.0) + 2)).ToList()),
            new ChartSeries("a eval", [new(250, 6), new(500, 4), new(750, 3)], Dashed: true, ShowPoints: true),
            new ChartSeries("b train", Enumerable.Range(50, 50).Select(s => new ChartPoint(s * 10, 9 * Math.Exp(-s / 25.0) + 2)).ToList()),
        ],
        [new ChartMarker(500, "fork b @500"), new ChartMarker(800, "fork c @800")],
        logY);

    static XElement[] Elements(XDocument doc, string name, string role) =>
        doc.Descendants(Svg + name).Where(e => (string?)e.Attribute("class") == role).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_chart_is_valid_svg_with_one_path_per_series_and_one_line_per_marker(bool logY)
    {
        var doc = XDocument.Parse(SvgChartWriter.ToSvg(Sample(logY)));
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Equal(["a train", "a eval", "b train"], Elements(doc, "path", "series").Select(p => (string?)p.Attribute("data-name")));
        Assert.Equal(2, Elements(doc, "line", "marker").Length);
        Assert.Equal(["fork b @500", "fork c @800"], Elements(doc, "text", "marker-label").Select(t => t.Value));
        Assert.Equal(3, Elements(doc, "circle", "point").Length);
        Assert.Equal(3, Elements(doc, "text", "legend-label").Length);
        Assert.Equal("run a & its fork <b>", Elements(doc, "text", "title").Single().Value);
        Assert.Equal("6 4", (string?)Elements(doc, "path", "series")[1].Attribute("stroke-dasharray"));
    }

    [Fact]
    public void Series_points_lie_inside_the_plot_frame()
    {
        var doc = XDocument.Parse(SvgChartWriter.ToSvg(Sample()));
        var frame = Elements(doc, "rect", "frame").Single();
        double A(XElement e, string n) => double.Parse((string)e.Attribute(n)!, System.Globalization.CultureInfo.InvariantCulture);
        var (x, y, w, h) = (A(frame, "x"), A(frame, "y"), A(frame, "width"), A(frame, "height"));
        foreach (var path in Elements(doc, "path", "series"))
            foreach (var point in ((string)path.Attribute("d")!).Split(' '))
            {
                var xy = point[1..].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                Assert.InRange(xy[0], x - 0.01, x + w + 0.01);
                Assert.InRange(xy[1], y - 0.01, y + h + 0.01);
            }
    }

    [Fact]
    public void Non_finite_and_on_a_log_axis_non_positive_points_break_the_line()
    {
        var chart = new LineChart("t", "step", "loss",
            [new ChartSeries("s", [new(0, 3), new(1, 2), new(2, double.NaN), new(3, 1), new(4, 0), new(5, 0.5), new(6, 0.4)])], LogY: true);
        var d = (string)XDocument.Parse(SvgChartWriter.ToSvg(chart)).Descendants(Svg + "path").Single().Attribute("d")!;
        Assert.Equal(3, d.Count(c => c == 'M'));
        Assert.Equal(2, d.Count(c => c == 'L'));
    }

    [Fact]
    public void A_long_series_is_thinned_to_a_few_points_per_pixel_column_keeping_its_extremes()
    {
        var points = Enumerable.Range(0, 100_000).Select(s => new ChartPoint(s, Math.Sin(s * 0.37) + (s == 51_234 ? 5 : 0))).ToList();
        var chart = new LineChart("t", "step", "y", [new ChartSeries("s", points)], Width: 600, Height: 300);
        var d = (string)XDocument.Parse(SvgChartWriter.ToSvg(chart)).Descendants(Svg + "path").Single().Attribute("d")!;
        var ys = d.Split(' ').Select(p => double.Parse(p[1..].Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.InRange(ys.Count, 600, 4 * 600);
        var full = XDocument.Parse(SvgChartWriter.ToSvg(chart with { Series = [new ChartSeries("s", points.Take(7).ToList())] }));
        Assert.Equal(7, ((string)full.Descendants(Svg + "path").Single().Attribute("d")!).Split(' ').Length);
        // The spike at step 51,234 is the chart's maximum and must still be drawn at the top.
        var frame = Elements(XDocument.Parse(SvgChartWriter.ToSvg(chart)), "rect", "frame").Single();
        Assert.True(ys.Min() < double.Parse((string)frame.Attribute("y")!, System.Globalization.CultureInfo.InvariantCulture) + 30);
    }

    [Fact]
    public void The_y_ticks_of_a_log_chart_are_labelled_with_their_values()
    {
        var doc = XDocument.Parse(SvgChartWriter.ToSvg(Sample(logY: true)));
        var labels = Elements(doc, "text", "tick-label").Select(t => t.Value).ToList();
        Assert.Contains("10", labels);
        Assert.Contains("5", labels);
    }
}
