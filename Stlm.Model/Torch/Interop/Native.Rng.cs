using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

// Native/rng.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int stlm_rng_initial_seed(int deviceType, int deviceIndex, ulong* seed);
    [LibraryImport(Lib)] internal static partial int stlm_rng_seed_device(int deviceType, int deviceIndex, ulong seed);
    [LibraryImport(Lib)] internal static partial nint stlm_rng_get_state(int deviceType, int deviceIndex);
    [LibraryImport(Lib)] internal static partial int stlm_rng_set_state(int deviceType, int deviceIndex, nint state);
    [LibraryImport(Lib)] internal static partial int stlm_set_deterministic(int enabled, int warnOnly);
    [LibraryImport(Lib)] internal static partial int stlm_deterministic();
    [LibraryImport(Lib)] internal static partial int stlm_deterministic_warn_only();
}
