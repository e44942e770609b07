using System.Runtime.InteropServices;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// The bare C++ Gloo all-reduce (Native/gloo_reference.cpp) that the training all-reduce is
/// measured against: its own group and store on <c>port</c>, one preallocated float buffer of
/// the same size, nothing around it. Every rank creates one, then calls <see cref="AllReduceSeconds"/> in step.
/// </summary>
public sealed unsafe partial class GlooReference : IDisposable
{
    [LibraryImport(NativeLibraryLoader.LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint stlm_gloo_reference_new(string masterAddr, int port, int rank, int worldSize, long numel, long timeoutMs);
    [LibraryImport(NativeLibraryLoader.LibraryName)]
    private static partial int stlm_gloo_reference_allreduce(nint reference, int iters, double* secondsOut);
    [LibraryImport(NativeLibraryLoader.LibraryName)]
    private static partial void stlm_gloo_reference_free(nint reference);

    nint handle;

    public GlooReference(string masterAddress, int port, int rank, int worldSize, long numel, TimeSpan timeout)
    {
        handle = stlm_gloo_reference_new(masterAddress, port, rank, worldSize, numel, (long)timeout.TotalMilliseconds);
        if (handle == 0) throw TorchException.FromLastError();
    }

    /// <summary>Seconds of each of <paramref name="iterations"/> all-reduces of the buffer.</summary>
    public double[] AllReduceSeconds(int iterations)
    {
        ObjectDisposedException.ThrowIf(handle == 0, this);
        var seconds = new double[iterations];
        fixed (double* s = seconds) Native.Check(stlm_gloo_reference_allreduce(handle, iterations, s));
        return seconds;
    }

    public void Dispose()
    {
        if (handle != 0) stlm_gloo_reference_free(handle);
        handle = 0;
    }
}
