using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>What the shim's CPU block cache holds and has done (see Native/alloc.cpp).</summary>
public sealed record CpuCacheStats(long CachedBytes, long CachedBlocks, long Reuses, long FreshAllocations);

public static partial class Torch
{
    /// <summary>
    /// The shim keeps freed CPU blocks of 1 MiB and more for reuse, so a training step's big
    /// tensors are not page-faulted in anew every step (STLM_CPU_CACHE_MB caps it; 0 turns it off).
    /// </summary>
    public static class CpuCache
    {
        public static unsafe CpuCacheStats Stats
        {
            get
            {
                var s = stackalloc long[4];
                Native.stlm_cpu_cache_stats(s);
                return new CpuCacheStats(s[0], s[1], s[2], s[3]);
            }
        }

        /// <summary>Frees every cached block back to the system; tensors in use are untouched.</summary>
        public static void Release() => Native.stlm_cpu_cache_release();
    }
}
