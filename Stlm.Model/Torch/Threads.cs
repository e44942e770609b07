using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

public static partial class Torch
{
    /// <summary>
    /// libtorch's thread pools. IntraOp parallelises one op (OpenMP; Debian's build starts at 1);
    /// InterOp runs independent ops and can be set only once, before any inter-op work starts.
    /// OpenBLAS keeps its own pool, which libtorch's settings do not reach: <see cref="Blas"/> sets it.
    /// </summary>
    public static class Threads
    {
        public static int IntraOp
        {
            get => Native.stlm_get_num_threads();
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "intra-op threads must be at least 1");
                Native.Check(Native.stlm_set_num_threads(value));
            }
        }

        /// <summary>
        /// OpenBLAS's worker threads (every GEMM is split over them), or null when the loaded
        /// libtorch uses another BLAS (MKL follows <see cref="IntraOp"/> there). Setting it where
        /// there is no OpenBLAS does nothing. The pool is process-wide.
        /// </summary>
        public static int? Blas
        {
            get => Native.stlm_get_blas_threads() is var n and >= 0 ? n : null;
            set
            {
                if (value is not { } n) return;
                if (n < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "BLAS threads must be at least 1");
                Native.stlm_set_blas_threads(n);
            }
        }

        public static int InterOp
        {
            get => Native.stlm_get_num_interop_threads();
            set
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "inter-op threads must be at least 1");
                Native.Check(Native.stlm_set_num_interop_threads(value));
            }
        }
    }
}
