using System.Collections.Immutable;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Tests.Model.LibTorch.Safetensors;

public class SafetensorsRoundTripTests
{
    static byte[] Pattern(long n, int seed) => Enumerable.Range(0, (int)n).Select(i => (byte)(i * 31 + seed)).ToArray();

    static ImmutableArray<long> ShapeFor(SafetensorsDType dtype) => dtype.BitSize() switch
    {
        4 => [2, 3, 4],
        6 => [4, 2],
        _ => [2, 3],
    };

    [Fact]
    public void Every_dtype_round_trips_with_its_bytes()
    {
        var entries = SafetensorsDTypes.All.Select((d, i) =>
        {
            var shape = ShapeFor(d);
            return SafetensorsEntry.FromBytes($"t.{d.Name()}", d, shape, Pattern(d.ByteCount(shape.AsSpan())!.Value, i));
        }).ToList();

        using var file = SafetensorsFile.FromBytes(SafetensorsWriter.Serialize(entries));

        Assert.Equal(entries.Count, file.Tensors.Length);
        foreach (var (e, i) in entries.Select((e, i) => (e, i)))
        {
            var t = file[e.Name];
            Assert.Equal(e.DType, t.DType);
            Assert.Equal(e.Shape.ToArray(), t.Shape.ToArray());
            Assert.Equal(Pattern(e.ByteCount, i), file.Bytes(t).ToArray());
        }
    }

    [Fact]
    public void Tensors_are_laid_out_by_alignment_then_name_and_start_aligned()
    {
        var entries = new[]
        {
            SafetensorsEntry.FromBytes("b", SafetensorsDType.U8, [3], new byte[3]),
            SafetensorsEntry.FromBytes("z", SafetensorsDType.F32, [1], new byte[4]),
            SafetensorsEntry.FromBytes("a", SafetensorsDType.F32, [1], new byte[4]),
            SafetensorsEntry.FromBytes("c", SafetensorsDType.I64, [1], new byte[8]),
        };
        var bytes = SafetensorsWriter.Serialize(entries);
        using var file = SafetensorsFile.FromBytes(bytes);
        Assert.Equal(["c", "a", "z", "b"], file.Tensors.Select(t => t.Name));
        var headerLength = (long)BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal(bytes, SafetensorsWriter.Serialize(entries.Reverse()));
    }

    [Fact]
    public void Metadata_round_trips_including_escapes_and_unicode()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["config"] = "{\"layers\": 10}\n\ttabbed \\ back\u0001",
            ["名前"] = "tiny ✓",
        };
        var bytes = SafetensorsWriter.Serialize([SafetensorsEntry.FromBytes("w", SafetensorsDType.BF16, [2], new byte[4])], metadata);
        using var file = SafetensorsFile.FromBytes(bytes);
        Assert.Equal(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), file.Metadata);
        Assert.StartsWith("{\"__metadata__\":{", System.Text.Encoding.UTF8.GetString(bytes, 8, 20));
    }

    [Fact]
    public void Zero_sized_tensors_and_an_empty_file_round_trip()
    {
        var entries = new[]
        {
            SafetensorsEntry.FromBytes("empty", SafetensorsDType.F32, [0, 5], ReadOnlyMemory<byte>.Empty),
            SafetensorsEntry.FromBytes("scalar", SafetensorsDType.F32, [], BitConverter.GetBytes(2.5f)),
        };
        using (var file = SafetensorsFile.FromBytes(SafetensorsWriter.Serialize(entries)))
        {
            Assert.Equal(0, file["empty"].ByteCount);
            Assert.True(file.Bytes("empty").IsEmpty);
            Assert.Equal(2.5f, BitConverter.ToSingle(file.Bytes("scalar")));
            Assert.Empty(file["scalar"].Shape);
        }
        using var none = SafetensorsFile.FromBytes(SafetensorsWriter.Serialize([]));
        Assert.Empty(none.Tensors);
    }

    [Fact]
    public void A_callback_writing_the_wrong_byte_count_is_caught()
    {
        var shortEntry = new SafetensorsEntry("s", SafetensorsDType.F32, [2], s => s.Write(new byte[7]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Serialize([shortEntry]));
        var longEntry = new SafetensorsEntry("l", SafetensorsDType.F32, [2], s => s.Write(new byte[9]));
        Assert.Throws<InvalidOperationException>(() => SafetensorsWriter.Serialize([longEntry]));
    }

    [Fact]
    public void Duplicate_or_reserved_names_are_refused_on_write()
    {
        var a = SafetensorsEntry.FromBytes("a", SafetensorsDType.U8, [1], new byte[1]);
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([a, a]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([a with { Name = "__metadata__" }]));
    }

    [Fact]
    public unsafe void Entries_from_native_addresses_write_their_bytes()
    {
        var data = new float[] { 1, 2, 3, 4 };
        fixed (float* p = data)
        {
            var bytes = SafetensorsWriter.Serialize([SafetensorsEntry.FromAddress("w", SafetensorsDType.F32, [2, 2], (nint)p)]);
            using var file = SafetensorsFile.FromBytes(bytes);
            Assert.Equal(data, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.Bytes("w")).ToArray());
        }
    }

    [Fact]
    public void An_atomic_write_replaces_the_file_and_leaves_no_temporary()
    {
        var dir = Directory.CreateTempSubdirectory("stlm-st-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            File.WriteAllText(path, "old");
            SafetensorsWriter.WriteFile(path, [SafetensorsEntry.FromBytes("w", SafetensorsDType.I32, [3], Pattern(12, 1))],
                new Dictionary<string, string> { ["step"] = "7" });
            Assert.Equal(["model.safetensors"], dir.GetFiles().Select(f => f.Name));
            using var file = SafetensorsFile.Open(path);
            Assert.Equal(Pattern(12, 1), file.Bytes("w").ToArray());
            Assert.Equal("7", file.Metadata["step"]);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void A_failed_atomic_write_keeps_the_old_file_and_leaves_no_temporary()
    {
        var dir = Directory.CreateTempSubdirectory("stlm-st-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            File.WriteAllText(path, "old");
            var failing = new SafetensorsEntry("w", SafetensorsDType.F32, [1000], _ => throw new IOException("disk on fire"));
            Assert.Throws<IOException>(() => SafetensorsWriter.WriteFile(path, [failing]));
            Assert.Equal("old", File.ReadAllText(path));
            Assert.Single(dir.GetFiles());
        }
        finally { dir.Delete(true); }
    }
}
