using System.Runtime.InteropServices;
using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// The bare C++ Gloo all-reduce (Native/gloo_reference.cpp) that the training all-reduce is
/// measured against: its own group on <c>port</c>, one preallocated float buffer, nothing around it.
/// </summary>
public static unsafe partial class GlooReference
{
    [LibraryImport(NativeLibraryLoader.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int stlm_gloo_reference_allreduce(string masterAddr, int port, int rank, int worldSize,
        long numel, int iters, long timeoutMs, double* secondsOut);

    /// <summary>Seconds of each of <paramref name="iterations"/> all-reduces of <paramref name="numel"/> floats.</summary>
    public static double[] AllReduceSeconds(string masterAddress, int port, int rank, int worldSize, long numel, int iterations, TimeSpan timeout)
    {
        var seconds = new double[iterations];
        fixed (double* s = seconds)
            Native.Check(stlm_gloo_reference_allreduce(masterAddress, port, rank, worldSize, numel, iterations, (long)timeout.TotalMilliseconds, s));
        return seconds;
    }
}
