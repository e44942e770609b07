namespace Stlm.Model.LibTorch;

/// <summary>
/// What this CPU offers the low-precision kernels. libtorch 1.13's bf16 matmuls go through
/// MKL-DNN only on CPUs with AVX-512 bf16 instructions (or AMX); elsewhere they take a scalar
/// fallback that measured ~1.8 GFLOP/s against ~27 for float32 on a loaded AVX2 EPYC (Zen 3), so
/// bf16-mixed is a speed-up there and a large slow-down here.
/// </summary>
public static class CpuFeatures
{
    static readonly Lazy<IReadOnlySet<string>> Flags = new(ReadFlags);

    /// <summary>Whether the CPU has bf16 dot-product instructions (avx512_bf16 or amx_bf16), per /proc/cpuinfo.</summary>
    public static bool HasBf16Matmul => Flags.Value.Contains("avx512_bf16") || Flags.Value.Contains("amx_bf16");

    static IReadOnlySet<string> ReadFlags()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return new HashSet<string>();
        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return line is null ? new HashSet<string>() : line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
    }
}
