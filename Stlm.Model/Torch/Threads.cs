using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

public static partial class Torch
{
    /// <summary>
    /// libtorch's thread pools. IntraOp parallelises one op (OpenMP; Debian's build starts at 1);
    /// InterOp runs independent ops and can be set only once, before any inter-op work starts.
    /// OpenBLAS keeps its own threads (OPENBLAS_NUM_THREADS), so measure before raising these.
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
