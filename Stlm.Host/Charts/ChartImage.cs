using System.Text;
using System.Text.RegularExpressions;
using ScottPlot;
using SkiaSharp;
using Stlm.Model;

namespace Stlm.Host.Charts;

/// <summary>
/// Charts as image files: the panels stacked top to bottom (so quantities on different scales
/// share one image and one step axis), drawn by ScottPlot on SkiaSharp — anti-aliased lines,
/// DejaVu Sans text — as a PNG and an SVG of the same picture. Skia here needs no fontconfig:
/// the font is loaded from its file.
/// </summary>
public static partial class ChartImage
{
    /// <summary>Pixels per chart unit in a PNG, so lines and text stay crisp on dense screens.</summary>
    public const int PngScale = 2;

    const string FontFolder = "/usr/share/fonts/truetype/dejavu";
    static readonly Lazy<bool> FontsLoaded = new(LoadFonts);

    /// <summary>
    /// Writes the panels to <paramref name="path"/> (.png or .svg) and the other format beside it
    /// (same name); returns both paths, the requested one first.
    /// </summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<LineChart> panels, string path)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".png" or ".svg"))
            throw new StlmException($"--out {path}: give a file name ending in .png or .svg (the other format is written beside it)");
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } folder) Directory.CreateDirectory(folder);
        var (png, svg) = (Path.ChangeExtension(full, ".png"), Path.ChangeExtension(full, ".svg"));
        File.WriteAllBytes(png, Png(panels));
        File.WriteAllText(svg, Svg(panels), new UTF8Encoding(false));
        return extension == ".png" ? [png, svg] : [svg, png];
    }

    /// <summary>The panels as one PNG of width × total height, times <paramref name="scale"/>.</summary>
    public static byte[] Png(IReadOnlyList<LineChart> panels, int scale = PngScale)
    {
        var (width, height) = Size(panels);
        using var surface = SKSurface.Create(new SKImageInfo(width * scale, height * scale, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new StlmException($"cannot allocate a {width * scale}x{height * scale} image for the chart");
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.Scale(scale);
        Draw(surface.Canvas, panels, (line, _) => line.LinePattern = LinePattern.Dashed);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The panels as one standalone SVG document.</summary>
    public static string Svg(IReadOnlyList<LineChart> panels)
    {
        var (width, height) = Size(panels);
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
        {
            canvas.Clear(SKColors.White);
            // Skia's SVG canvas has no dash effect: dashed lines go out with a tell-tale opacity,
            // which becomes a stroke-dasharray below.
            Draw(canvas, panels, (line, color) => line.LineColor = color.WithAlpha(DashAlpha));
        }
        return DashedStroke().Replace(Encoding.UTF8.GetString(stream.ToArray()), "stroke-dasharray=\"6 4\"");
    }

    const byte DashAlpha = 254;

    [GeneratedRegex("stroke-opacity=\"0\\.996\\d*\"")]
    private static partial Regex DashedStroke();

    static (int Width, int Height) Size(IReadOnlyList<LineChart> panels) =>
        panels.Count == 0 ? throw new ArgumentException("a chart needs at least one panel") : (panels.Max(p => p.Width), panels.Sum(p => p.Height));

    static void Draw(SKCanvas canvas, IReadOnlyList<LineChart> panels, Action<IHasLine, Color> dashed)
    {
        _ = FontsLoaded.Value;
        var width = panels.Max(p => p.Width);
        var top = 0;
        foreach (var panel in panels)
        {
            // A plot clears its canvas before drawing: the clip keeps it to its own panel.
            var plot = ChartPlot.Build(panel, dashed);
            var area = new PixelRect(0, width, top + panel.Height, top);
            // ScottPlot draws a plot a second time when its first render changed the axis limits;
            // settling them on a scratch canvas first keeps the SVG to one copy of each element.
            using (var scratch = SKSurface.Create(new SKImageInfo(width, top + panel.Height)))
                plot.Render(scratch.Canvas, area);
            canvas.Save();
            canvas.ClipRect(new SKRect(0, top, width, top + panel.Height));
            plot.Render(canvas, area);
            canvas.Restore();
            top += panel.Height;
        }
    }

    static bool LoadFonts()
    {
        var (regular, bold) = (Path.Combine(FontFolder, "DejaVuSans.ttf"), Path.Combine(FontFolder, "DejaVuSans-Bold.ttf"));
        if (!File.Exists(regular) || !File.Exists(bold))
            throw new StlmException($"charts are drawn in DejaVu Sans, which is not in {FontFolder}; install it with: apt-get install fonts-dejavu-core");
        Fonts.AddFontFile("DejaVu Sans", regular, bold: false, italic: false);
        Fonts.AddFontFile("DejaVu Sans", bold, bold: true, italic: false);
        Fonts.Default = "DejaVu Sans";
        return true;
    }
}
