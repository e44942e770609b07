using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Stlm.Host.Charts;
using Stlm.Host.Charts.Png;

namespace Stlm.Tests.Host.Charts;

public class PngChartWriterTests
{
    /// <summary>Reads back what our encoder writes (8-bit RGB, filters None/Up), checking every CRC.</summary>
    static (int Width, int Height, byte[] Rgb) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int width = 0, height = 0;
        var idat = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            Assert.Equal(PngEncoder.Crc32(Encoding.ASCII.GetBytes(type), data), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length)));
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4)));
                Assert.Equal(new byte[] { 8, 2, 0, 0, 0 }, data[8..]);
            }
            if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        }
        var raw = new MemoryStream();
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var bytes = raw.ToArray();
        var stride = width * 3;
        Assert.Equal(height * (stride + 1), bytes.Length);
        var rgb = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = bytes[y * (stride + 1)];
            Assert.Contains(filter, new byte[] { 0, 2 });
            for (var i = 0; i < stride; i++)
                rgb[y * stride + i] = (byte)(bytes[y * (stride + 1) + 1 + i] + (filter == 2 && y > 0 ? rgb[(y - 1) * stride + i] : 0));
        }
        return (width, height, rgb);
    }

    static (byte, byte, byte) Pixel((int Width, int Height, byte[] Rgb) image, int x, int y)
    {
        var i = (y * image.Width + x) * 3;
        return (image.Rgb[i], image.Rgb[i + 1], image.Rgb[i + 2]);
    }

    [Fact]
    public void The_crc_matches_the_png_specification_value() =>
        Assert.Equal(0xAE426082u, PngEncoder.Crc32(Encoding.ASCII.GetBytes("IEND"), []));

    [Fact]
    public void Shapes_land_on_the_expected_pixels_at_the_requested_scale()
    {
        var scene = new ChartScene(100, 40,
        [
            new ChartRect("background", 0, 0, 100, 40, "#ffffff", null),
            new ChartLine("series", 10, 10, 90, 10, "#ff0000", 2),
            new ChartDot("point", 50, 30, 3, "#0000ff"),
        ]);
        var image = Decode(PngChartWriter.ToPng(scene, scale: 2));
        Assert.Equal((200, 80), (image.Width, image.Height));
        Assert.Equal(((byte)255, (byte)0, (byte)0), Pixel(image, 100, 19));
        Assert.Equal(((byte)255, (byte)255, (byte)255), Pixel(image, 100, 30));
        Assert.Equal(((byte)255, (byte)255, (byte)255), Pixel(image, 5, 19));
        Assert.Equal(((byte)0, (byte)0, (byte)255), Pixel(image, 100, 60));
    }

    [Fact]
    public void A_dashed_line_leaves_gaps()
    {
        var scene = new ChartScene(100, 20, [new ChartRect("background", 0, 0, 100, 20, "#ffffff", null), new ChartLine("marker", 0, 10, 100, 10, "#000000", 2, Dashed: true)]);
        var image = Decode(PngChartWriter.ToPng(scene, scale: 1));
        var inked = Enumerable.Range(0, 100).Count(x => Pixel(image, x, 9).Item1 < 128);
        Assert.InRange(inked, 50, 70); // 6 on, 4 off
    }

    [Fact]
    public void Text_is_drawn_with_the_bitmap_font()
    {
        var scene = new ChartScene(60, 20, [new ChartRect("background", 0, 0, 60, 20, "#ffffff", null), new ChartText("title", 2, 14, "Loss 1", 10, "#000000")]);
        var image = Decode(PngChartWriter.ToPng(scene, scale: 1));
        var ink = image.Rgb.Chunk(3).Count(p => p[0] == 0);
        Assert.InRange(ink, 30, 150);
    }

    [Fact]
    public void Every_printable_ascii_character_has_its_own_glyph()
    {
        for (var c = ' '; c <= '~'; c++) Assert.True(BitmapFont.Has(c), $"no glyph for '{c}'");
        Assert.Equal(BitmapFont.Glyph('?'), BitmapFont.Glyph('é'));
    }

    [Fact]
    public void A_full_chart_renders_to_a_valid_png()
    {
        var chart = new LineChart("loss", "step", "loss",
            [new ChartSeries("train", Enumerable.Range(1, 500).Select(s => new ChartPoint(s, 10.0 / Math.Sqrt(s))).ToList())],
            [new ChartMarker(250, "fork")], LogY: true, Width: 320, Height: 200);
        var image = Decode(PngChartWriter.ToPng(chart, scale: 1));
        Assert.Equal((320, 200), (image.Width, image.Height));
        Assert.Contains(image.Rgb.Chunk(3), p => p[0] == 0x1f && p[1] == 0x77 && p[2] == 0xb4);
    }
}
