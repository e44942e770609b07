using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// The C++ side of `stlm bench torch`: the same libtorch ops the binding exposes, called in a
/// tight loop inside the shim, so the binding's own cost is the difference to a C# loop.
/// </summary>
public static unsafe class NativeBench
{
    /// <summary>Seconds for <paramref name="iterations"/> of <c>a + b</c>, each result freed.</summary>
    public static double Add(Tensor a, Tensor b, long iterations)
    {
        double seconds;
        Native.Check(Native.stlm_bench_add(a.Handle, b.Handle, iterations, &seconds));
        return seconds;
    }

    /// <summary>Seconds for <paramref name="iterations"/> of <c>a @ b</c>, device work included.</summary>
    public static double MatMul(Tensor a, Tensor b, long iterations)
    {
        double seconds;
        Native.Check(Native.stlm_bench_matmul(a.Handle, b.Handle, iterations, &seconds));
        return seconds;
    }

    /// <summary>Waits for the device's queued work (no-op on the CPU).</summary>
    public static void Synchronize(Device device) =>
        Native.Check(Native.stlm_bench_synchronize((int)device.Type, device.Index));

    /// <summary>libtorch's intra-op thread count (at::set_num_threads), for comparing settings.</summary>
    public static int IntraOpThreads
    {
        get => Native.stlm_get_num_threads();
        set => Native.Check(Native.stlm_set_num_threads(value));
    }
}
