using Stlm.Host.Charts.Png;

namespace Stlm.Host.Charts;

/// <summary>
/// Writes a chart as a PNG, drawn by our own rasterizer and bitmap font (no native
/// libraries), at <c>scale</c> times the chart's size so lines and text stay crisp.
/// </summary>
public static class PngChartWriter
{
    public static void Write(LineChart chart, string path, int scale = 2) => File.WriteAllBytes(path, ToPng(chart, scale));

    public static byte[] ToPng(LineChart chart, int scale = 2) => ToPng(ChartLayout.Layout(chart), scale);

    public static byte[] ToPng(ChartScene scene, int scale = 2)
    {
        var image = new Raster(scene.Width * scale, scene.Height * scale);
        foreach (var shape in scene.Shapes) Draw(image, shape, scale);
        return PngEncoder.Encode(image);
    }

    static void Draw(Raster image, ChartShape shape, double s)
    {
        switch (shape)
        {
            case ChartRect r:
                if (r.Fill is { } fill) image.FillRect(r.X * s, r.Y * s, r.Width * s, r.Height * s, Raster.Color.Parse(fill));
                if (r.Stroke is { } stroke)
                    image.Stroke([(r.X * s, r.Y * s), ((r.X + r.Width) * s, r.Y * s), ((r.X + r.Width) * s, (r.Y + r.Height) * s), (r.X * s, (r.Y + r.Height) * s), (r.X * s, r.Y * s)],
                        s, Raster.Color.Parse(stroke));
                break;
            case ChartLine l:
                Stroke(image, [(l.X1 * s, l.Y1 * s), (l.X2 * s, l.Y2 * s)], l.Width * s, l.Color, l.Dashed, s);
                break;
            case ChartPolyline p:
                foreach (var segment in p.Segments)
                    Stroke(image, segment.Select(q => (q.X * s, q.Y * s)).ToList(), p.Width * s, p.Color, p.Dashed, s);
                break;
            case ChartDot d:
                image.FillCircle(d.X * s, d.Y * s, d.Radius * s, Raster.Color.Parse(d.Color));
                break;
            case ChartText t:
                DrawText(image, t, s);
                break;
        }
    }

    static void Stroke(Raster image, List<(double X, double Y)> points, double width, string color, bool dashed, double s)
    {
        var c = Raster.Color.Parse(color);
        if (!dashed) image.Stroke(points, width, c);
        else
            foreach (var piece in Raster.Dashes(points, 6 * s, 4 * s))
                image.Stroke(piece, width, c);
    }

    /// <summary>Bitmap glyphs scaled to about the requested size; vertical text reads bottom to top.</summary>
    static void DrawText(Raster image, ChartText t, double s)
    {
        var cell = Math.Max(1, (int)Math.Round(t.Size * s / 10));
        var width = t.Text.Length * BitmapFont.Advance * cell - cell;
        var offset = t.Anchor switch { TextAnchor.Middle => -width / 2.0, TextAnchor.End => -width, _ => 0 };
        var color = Raster.Color.Parse(t.Color);
        var (x0, y0) = (t.X * s, t.Y * s);
        for (var i = 0; i < t.Text.Length; i++)
        {
            var glyph = BitmapFont.Glyph(t.Text[i]);
            for (var row = 0; row < BitmapFont.Rows; row++)
                for (var col = 0; col < BitmapFont.Columns; col++)
                {
                    if (!glyph[row, col]) continue;
                    var along = offset + (i * BitmapFont.Advance + col) * cell;   // along the text
                    var across = (row - BitmapFont.Ascent) * cell;                 // down from the baseline
                    for (var dy = 0; dy < cell; dy++)
                        for (var dx = 0; dx < cell; dx++)
                        {
                            var (px, py) = t.Vertical
                                ? (x0 + across + dy, y0 - along - dx - 1)
                                : (x0 + along + dx, y0 + across + dy);
                            image.Blend((int)Math.Round(px), (int)Math.Round(py), color, 1);
                            if (t.Bold) image.Blend((int)Math.Round(px) + (t.Vertical ? 0 : 1), (int)Math.Round(py) - (t.Vertical ? 1 : 0), color, 1);
                        }
                }
        }
    }
}
