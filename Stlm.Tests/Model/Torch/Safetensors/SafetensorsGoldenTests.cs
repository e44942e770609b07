using System.Globalization;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Tests.Model.LibTorch.Safetensors;

/// <summary>
/// The reference test's file: "attn0", F32, shape [1,1,2,3], values 0..5, header padded to 8
/// bytes. The fixture folder holds it twice: as raw bytes and as an `xxd` hex dump.
/// </summary>
public class SafetensorsGoldenTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Safetensors", name);
    static readonly string Padded = Fixture("golden_attn0_f32_1x1x2x3_padded.safetensors");
    static readonly string HexDump = Fixture("golden_attn0_f32_1x2x3.safetensors");

    static byte[] Values0To5() => new[] { 0f, 1f, 2f, 3f, 4f, 5f }.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void Reads_the_padded_golden_file()
    {
        using var file = SafetensorsFile.Open(Padded);
        var t = Assert.Single(file.Tensors);
        Assert.Equal("attn0", t.Name);
        Assert.Equal(SafetensorsDType.F32, t.DType);
        Assert.Equal([1L, 1, 2, 3], t.Shape.ToArray());
        Assert.Equal(24, t.ByteCount);
        Assert.Equal(Values0To5(), file.Bytes("attn0").ToArray());
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void Writes_the_padded_golden_file_byte_for_byte()
    {
        var bytes = SafetensorsWriter.Serialize([SafetensorsEntry.FromBytes("attn0", SafetensorsDType.F32, [1, 1, 2, 3], Values0To5())]);
        Assert.Equal(File.ReadAllBytes(Padded), bytes);
    }

    [Fact]
    public void The_hex_dump_golden_holds_the_same_bytes_our_writer_writes()
    {
        var decoded = DecodeXxd(File.ReadAllLines(HexDump));
        var bytes = SafetensorsWriter.Serialize([SafetensorsEntry.FromBytes("attn0", SafetensorsDType.F32, [1, 1, 2, 3], Values0To5())]);
        Assert.Equal(decoded, bytes);
        using var file = SafetensorsFile.FromBytes(decoded);
        Assert.Equal("attn0", Assert.Single(file.Tensors).Name);
    }

    [Fact]
    public void Reading_the_hex_dump_text_itself_is_refused_as_a_header_too_large()
    {
        var e = Assert.Throws<SafetensorsException>(() => SafetensorsFile.Open(HexDump));
        Assert.Equal(SafetensorsProblem.HeaderTooLarge, e.Problem);
        Assert.Contains(HexDump, e.Message);
    }

    [Fact]
    public void Reads_an_unpadded_header_too()
    {
        // The reference reader does not require padding; the unpadded form of the golden file.
        var json = """{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}"""u8.ToArray();
        var bytes = BitConverter.GetBytes((ulong)json.Length).Concat(json).Concat(Values0To5()).ToArray();
        using var file = SafetensorsFile.FromBytes(bytes);
        Assert.Equal(Values0To5(), file.Bytes("attn0").ToArray());
    }

    /// <summary>Lines like "00000010: 3a7b 2264 ...  :{"d..." → their bytes.</summary>
    static byte[] DecodeXxd(IEnumerable<string> lines)
    {
        var bytes = new List<byte>();
        foreach (var line in lines.Where(l => l.Length > 10))
        {
            var hex = line[10..Math.Min(line.Length, 49)].Replace(" ", "");
            for (var i = 0; i + 1 < hex.Length; i += 2)
                bytes.Add(byte.Parse(hex.AsSpan(i, 2), NumberStyles.HexNumber));
        }
        return [.. bytes];
    }
}
