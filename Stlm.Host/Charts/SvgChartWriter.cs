using System.Globalization;
using System.Security;
using System.Text;

namespace Stlm.Host.Charts;

/// <summary>Writes a chart as a standalone SVG document (opens in any browser).</summary>
public static class SvgChartWriter
{
    public static void Write(LineChart chart, string path) => File.WriteAllText(path, ToSvg(chart), new UTF8Encoding(false));

    public static string ToSvg(LineChart chart) => ToSvg(ChartLayout.Layout(chart));

    public static string ToSvg(ChartScene scene)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{scene.Width}\" height=\"{scene.Height}\" viewBox=\"0 0 {scene.Width} {scene.Height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n");
        foreach (var shape in scene.Shapes)
            svg.Append("  ").Append(Element(shape)).Append('\n');
        return svg.Append("</svg>\n").ToString();
    }

    static string Element(ChartShape shape) => shape switch
    {
        ChartLine l => $"<line class=\"{l.Role}\" x1=\"{N(l.X1)}\" y1=\"{N(l.Y1)}\" x2=\"{N(l.X2)}\" y2=\"{N(l.Y2)}\" stroke=\"{l.Color}\" stroke-width=\"{N(l.Width)}\"{Dash(l.Dashed)}/>",
        ChartPolyline p => $"<path class=\"{p.Role}\" data-name=\"{Escape(p.Name)}\" d=\"{PathData(p)}\" fill=\"none\" stroke=\"{p.Color}\" stroke-width=\"{N(p.Width)}\" stroke-linejoin=\"round\"{Dash(p.Dashed)}/>",
        ChartDot d => $"<circle class=\"{d.Role}\" cx=\"{N(d.X)}\" cy=\"{N(d.Y)}\" r=\"{N(d.Radius)}\" fill=\"{d.Color}\"/>",
        ChartRect r => $"<rect class=\"{r.Role}\" x=\"{N(r.X)}\" y=\"{N(r.Y)}\" width=\"{N(r.Width)}\" height=\"{N(r.Height)}\" fill=\"{r.Fill ?? "none"}\"{(r.Stroke is null ? "" : $" stroke=\"{r.Stroke}\"")}/>",
        ChartText t => Text(t),
        _ => throw new ArgumentException($"unknown shape {shape.GetType().Name}"),
    };

    static string Text(ChartText t)
    {
        var anchor = t.Anchor switch { TextAnchor.Middle => "middle", TextAnchor.End => "end", _ => "start" };
        var rotate = t.Vertical ? $" transform=\"rotate(-90 {N(t.X)} {N(t.Y)})\"" : "";
        var weight = t.Bold ? " font-weight=\"bold\"" : "";
        return $"<text class=\"{t.Role}\" x=\"{N(t.X)}\" y=\"{N(t.Y)}\" font-size=\"{N(t.Size)}\" fill=\"{t.Color}\" text-anchor=\"{anchor}\"{weight}{rotate}>{Escape(t.Text)}</text>";
    }

    static string PathData(ChartPolyline p)
    {
        var d = new StringBuilder();
        foreach (var segment in p.Segments)
            for (var i = 0; i < segment.Count; i++)
                d.Append(d.Length == 0 ? "" : " ").Append(i == 0 ? 'M' : 'L').Append(N(segment[i].X)).Append(',').Append(N(segment[i].Y));
        return d.ToString();
    }

    static string Dash(bool dashed) => dashed ? " stroke-dasharray=\"6 4\"" : "";

    static string N(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    static string Escape(string s) => SecurityElement.Escape(s);
}
