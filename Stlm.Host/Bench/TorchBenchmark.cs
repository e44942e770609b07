using System.Diagnostics;
using Stlm.Model.LibTorch;

namespace Stlm.Host.Bench;

/// <summary>
/// Measures the binding against libtorch called from C++ in the same process: each round times
/// the C# loop and the native loop back to back (alternating which goes first). Differences and
/// ratios are taken within a round, then their median over rounds is reported, so load that
/// drifts on a busy machine hits both sides of each comparison alike.
/// </summary>
public sealed class TorchBenchmark(int rounds, Device device, TextWriter log)
{
    /// <summary>Medians of ns per call on each side, and of the per-round difference and ratio.</summary>
    public sealed record SmallOp(string Name, long Elements, double CSharpNs, double NativeNs, double OverheadNs, double Ratio);

    /// <summary>Medians of GFLOP/s on each side, and of the per-round ratio C#/C++.</summary>
    public sealed record MatMul(long Size, int Threads, double CSharpGflops, double NativeGflops, double Ratio);

    /// <summary>a + b on two small f32 tensors; returns the median ns per call of each side.</summary>
    public SmallOp Add(long elements, long iterations)
    {
        // No scope around the loop: each result is freed by its `using`, as the tight C++ loop does.
        using var a = Torch.Ones([elements], device: device);
        using var b = Torch.Ones([elements], device: device);
        CSharpAdd(a, b, iterations / 10);   // warm up: JIT, allocator, caches
        NativeBench.Add(a, b, iterations / 10);
        var (cs, native) = Rounds(() => CSharpAdd(a, b, iterations), () => NativeBench.Add(a, b, iterations));
        var perCall = 1e9 / iterations;
        var result = new SmallOp("add", elements, Median(cs) * perCall, Median(native) * perCall,
            Median(cs.Zip(native, (c, n) => (c - n) * perCall)), Median(cs.Zip(native, (c, n) => c / n)));
        log.WriteLine($"  add[{elements}]: C# {result.CSharpNs:F0} ns/op, C++ {result.NativeNs:F0} ns/op");
        return result;
    }

    /// <summary>n×n @ n×n in f32 with the given intra-op thread count; GFLOP/s of each side.</summary>
    public MatMul MatMulSquare(long n, int threads)
    {
        var before = NativeBench.IntraOpThreads;
        NativeBench.IntraOpThreads = threads;
        try
        {
            using var a = Torch.Randn([n, n], device: device);
            using var b = Torch.Randn([n, n], device: device);
            var flops = 2.0 * n * n * n;
            var warm = Stopwatch.StartNew();
            CSharpMatMul(a, b, 1);
            // Enough iterations for ~0.3 s per side per round, at least one.
            var iterations = Math.Max(1, (long)(0.3 / Math.Max(warm.Elapsed.TotalSeconds, 1e-6)));
            NativeBench.MatMul(a, b, 1);
            var (cs, native) = Rounds(() => CSharpMatMul(a, b, iterations), () => NativeBench.MatMul(a, b, iterations));
            var gflops = flops * iterations / 1e9;
            var result = new MatMul(n, threads, gflops / Median(cs), gflops / Median(native),
                Median(cs.Zip(native, (c, nat) => nat / c)));
            log.WriteLine($"  matmul {n}^3, {threads} thread(s): C# {result.CSharpGflops:F1} GFLOP/s, C++ {result.NativeGflops:F1} GFLOP/s");
            return result;
        }
        finally
        {
            NativeBench.IntraOpThreads = before;
        }
    }

    (double[] CSharp, double[] Native) Rounds(Func<double> csharp, Func<double> native)
    {
        var cs = new double[rounds];
        var nat = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            if (r % 2 == 0) { cs[r] = csharp(); nat[r] = native(); }
            else { nat[r] = native(); cs[r] = csharp(); }
        }
        return (cs, nat);
    }

    static double CSharpAdd(Tensor a, Tensor b, long iterations)
    {
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < iterations; i++)
        {
            using var sum = a + b;
        }
        return clock.Elapsed.TotalSeconds;
    }

    double CSharpMatMul(Tensor a, Tensor b, long iterations)
    {
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < iterations; i++)
        {
            using var product = a.MatMul(b);
        }
        NativeBench.Synchronize(device);
        return clock.Elapsed.TotalSeconds;
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
