using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

// Native/bench.cpp: libtorch called from C++ in a loop, the reference side of `stlm bench torch`.
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int stlm_bench_add(nint a, nint b, long iterations, double* seconds);
    [LibraryImport(Lib)] internal static partial int stlm_bench_matmul(nint a, nint b, long iterations, double* seconds);
    [LibraryImport(Lib)] internal static partial int stlm_bench_synchronize(int deviceType, int deviceIndex);
}
