using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

// Native/autocast.cpp: libtorch's autocast regions (mixed precision).
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int stlm_autocast_enter(int deviceType, int dtype, int* wasEnabled, int* wasDType);
    [LibraryImport(Lib)] internal static partial int stlm_autocast_exit(int deviceType, int wasEnabled, int wasDType);
    [LibraryImport(Lib)] internal static partial int stlm_autocast_enabled(int deviceType);
}
