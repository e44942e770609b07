using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Tests.Model.LibTorch.Safetensors;

public class SafetensorsMappedTests
{
    [Fact]
    public unsafe void A_64_MB_file_is_read_in_place_without_copying()
    {
        const int Floats = 16 << 20; // 64 MB of F32
        var path = Path.Combine(Path.GetTempPath(), $"stlm-large-{Guid.NewGuid():N}.safetensors");
        try
        {
            var entry = new SafetensorsEntry("big", SafetensorsDType.F32, [Floats / 1024, 1024], s =>
            {
                var chunk = new float[1 << 16];
                for (var start = 0; start < Floats; start += chunk.Length)
                {
                    for (var i = 0; i < chunk.Length; i++) chunk[i] = start + i;
                    s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk.AsSpan()));
                }
            });
            SafetensorsWriter.WriteFile(path, [entry, SafetensorsEntry.FromBytes("small", SafetensorsDType.U8, [3], new byte[] { 7, 8, 9 })], atomic: false);

            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            using var file = SafetensorsFile.Open(path);
            var big = file["big"];
            Assert.Equal(64L << 20, big.ByteCount);
            var values = new ReadOnlySpan<float>((void*)file.Address(big), Floats);
            double sum = 0;
            for (var i = 0; i < values.Length; i += 4096) sum += values[i];
            Assert.Equal(Floats - 1, values[^1]);
            Assert.Equal(12345, values[12345]);
            Assert.Equal(new byte[] { 7, 8, 9 }, file.Bytes("small").ToArray());
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Assert.True(allocated < 1 << 20, $"reading allocated {allocated} managed bytes; the tensor should be read in place");
            Assert.True(sum > 0);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Addresses_are_refused_after_disposal()
    {
        var bytes = SafetensorsWriter.Serialize([SafetensorsEntry.FromBytes("a", SafetensorsDType.U8, [1], new byte[1])]);
        var file = SafetensorsFile.FromBytes(bytes);
        var info = file["a"];
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Address(info));
    }
}
