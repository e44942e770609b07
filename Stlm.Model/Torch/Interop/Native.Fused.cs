using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

// Native/fused.cpp and Native/fused_layers.cpp (hot sequences with hand-written backward) and
// Native/alloc.cpp (the CPU block cache).
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint stlm_linear_cross_entropy(nint hidden, nint weight, nint targets, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial nint stlm_rotary(nint x, nint cos, nint sin);
    [LibraryImport(Lib)] internal static partial nint stlm_swiglu(nint gate, nint up);
    [LibraryImport(Lib)] internal static partial void stlm_cpu_cache_stats(long* out4);
    [LibraryImport(Lib)] internal static partial void stlm_cpu_cache_release();
}
