using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Stlm.Host.Charts.Png;

/// <summary>Encodes an RGB raster as a PNG: 8-bit truecolour, one IDAT, zlib from the BCL.</summary>
static class PngEncoder
{
    public static byte[] Encode(Raster image)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8; // bits per sample
        header[9] = 2; // colour type: RGB
        Chunk(png, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var stride = image.Width * 3;
            var previous = new byte[stride];
            var row = new byte[stride + 1];
            for (var y = 0; y < image.Height; y++)
            {
                // Filter "Up": charts repeat rows (background, vertical lines), which then compress to almost nothing.
                var current = image.Rgb.AsSpan(y * stride, stride);
                row[0] = 2;
                for (var i = 0; i < stride; i++) row[i + 1] = (byte)(current[i] - previous[i]);
                zlib.Write(row);
                current.CopyTo(previous);
            }
        }
        Chunk(png, "IDAT", compressed.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeBytes, data));
        png.Write(word);
    }

    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 PNG puts over each chunk's type and data.</summary>
    internal static uint Crc32(params byte[][] parts)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var part in parts)
            foreach (var b in part)
                crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFFu;
    }
}
