namespace Stlm.Host.Charts.Png;

/// <summary>
/// An RGB image with the few anti-aliased drawing operations charts need. Strokes are drawn
/// by coverage: each pixel near a segment takes the colour in proportion to how much of it
/// the stroke covers, and a polyline's coverage is the maximum over its segments so joints
/// are not painted twice.
/// </summary>
sealed class Raster
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Rgb { get; }

    public Raster(int width, int height)
    {
        Width = width;
        Height = height;
        Rgb = new byte[width * height * 3];
    }

    public readonly record struct Color(byte R, byte G, byte B)
    {
        public static Color Parse(string hex) => new(
            Convert.ToByte(hex.Substring(1, 2), 16), Convert.ToByte(hex.Substring(3, 2), 16), Convert.ToByte(hex.Substring(5, 2), 16));
    }

    public void Blend(int x, int y, Color c, double alpha)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height || alpha <= 0) return;
        alpha = Math.Min(1, alpha);
        var i = (y * Width + x) * 3;
        Rgb[i] = (byte)Math.Round(Rgb[i] + (c.R - Rgb[i]) * alpha);
        Rgb[i + 1] = (byte)Math.Round(Rgb[i + 1] + (c.G - Rgb[i + 1]) * alpha);
        Rgb[i + 2] = (byte)Math.Round(Rgb[i + 2] + (c.B - Rgb[i + 2]) * alpha);
    }

    public void FillRect(double x, double y, double w, double h, Color c)
    {
        for (var py = (int)Math.Round(y); py < (int)Math.Round(y + h); py++)
            for (var px = (int)Math.Round(x); px < (int)Math.Round(x + w); px++)
                Blend(px, py, c, 1);
    }

    /// <summary>Strokes connected segments with one coverage mask, so overlaps blend once.</summary>
    public void Stroke(IReadOnlyList<(double X, double Y)> points, double width, Color c)
    {
        if (points.Count < 2) return;
        var half = width / 2;
        var minX = Math.Max(0, (int)Math.Floor(points.Min(p => p.X) - half - 1));
        var maxX = Math.Min(Width - 1, (int)Math.Ceiling(points.Max(p => p.X) + half + 1));
        var minY = Math.Max(0, (int)Math.Floor(points.Min(p => p.Y) - half - 1));
        var maxY = Math.Min(Height - 1, (int)Math.Ceiling(points.Max(p => p.Y) + half + 1));
        if (minX > maxX || minY > maxY) return;
        var mw = maxX - minX + 1;
        var mask = new float[mw * (maxY - minY + 1)];
        for (var i = 1; i < points.Count; i++)
            Cover(mask, mw, minX, minY, maxX, maxY, points[i - 1], points[i], half, buttStart: i == 1, buttEnd: i == points.Count - 1);
        for (var y = minY; y <= maxY; y++)
            for (var x = minX; x <= maxX; x++)
                Blend(x, y, c, mask[(y - minY) * mw + x - minX]);
    }

    /// <summary>
    /// Adds one segment's coverage. Inner joints are round (distance to the nearest point of
    /// the segment); the polyline's two ends are cut flat, as SVG's default butt caps are,
    /// so dashes keep their length.
    /// </summary>
    static void Cover(float[] mask, int mw, int minX, int minY, int maxX, int maxY, (double X, double Y) a, (double X, double Y) b, double half,
        bool buttStart, bool buttEnd)
    {
        var x0 = Math.Max(minX, (int)Math.Floor(Math.Min(a.X, b.X) - half - 1));
        var x1 = Math.Min(maxX, (int)Math.Ceiling(Math.Max(a.X, b.X) + half + 1));
        var y0 = Math.Max(minY, (int)Math.Floor(Math.Min(a.Y, b.Y) - half - 1));
        var y1 = Math.Min(maxY, (int)Math.Ceiling(Math.Max(a.Y, b.Y) + half + 1));
        var (dx, dy) = (b.X - a.X, b.Y - a.Y);
        var length2 = dx * dx + dy * dy;
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
            {
                // Distance from the pixel centre to the segment.
                var (px, py) = (x + 0.5 - a.X, y + 0.5 - a.Y);
                var along = length2 > 0 ? (px * dx + py * dy) / length2 : 0;
                float coverage;
                if (length2 > 0 && (buttStart && along < 0 || buttEnd && along > 1))
                {
                    var length = Math.Sqrt(length2);
                    var beyond = (along < 0 ? -along : along - 1) * length;
                    var across = Math.Abs(px * dy - py * dx) / length;
                    coverage = (float)(Math.Clamp(half + 0.5 - across, 0, 1) * Math.Clamp(0.5 - beyond, 0, 1));
                }
                else
                {
                    var t = Math.Clamp(along, 0, 1);
                    var (ex, ey) = (px - t * dx, py - t * dy);
                    coverage = (float)Math.Clamp(half + 0.5 - Math.Sqrt(ex * ex + ey * ey), 0, 1);
                }
                ref var m = ref mask[(y - minY) * mw + x - minX];
                if (coverage > m) m = coverage;
            }
    }

    public void FillCircle(double cx, double cy, double r, Color c)
    {
        for (var y = (int)Math.Floor(cy - r - 1); y <= (int)Math.Ceiling(cy + r + 1); y++)
            for (var x = (int)Math.Floor(cx - r - 1); x <= (int)Math.Ceiling(cx + r + 1); x++)
            {
                var d = Math.Sqrt(Math.Pow(x + 0.5 - cx, 2) + Math.Pow(y + 0.5 - cy, 2));
                Blend(x, y, c, Math.Clamp(r + 0.5 - d, 0, 1));
            }
    }

    /// <summary>Splits a polyline into the pieces a dash pattern (on, off) leaves visible.</summary>
    public static IEnumerable<List<(double X, double Y)>> Dashes(IReadOnlyList<(double X, double Y)> points, double on, double off)
    {
        var piece = new List<(double, double)>();
        var drawing = true;
        var left = on;
        for (var i = 1; i < points.Count; i++)
        {
            var (a, b) = (points[i - 1], points[i]);
            var length = Math.Sqrt(Math.Pow(b.X - a.X, 2) + Math.Pow(b.Y - a.Y, 2));
            var at = 0.0;
            if (drawing && piece.Count == 0) piece.Add(a);
            while (length - at > left)
            {
                at += left;
                var p = (a.X + (b.X - a.X) * at / length, a.Y + (b.Y - a.Y) * at / length);
                if (drawing) { piece.Add(p); yield return piece; piece = []; }
                else piece.Add(p);
                drawing = !drawing;
                left = drawing ? on : off;
            }
            left -= length - at;
            if (drawing) piece.Add(b);
        }
        if (drawing && piece.Count > 1) yield return piece;
    }
}
