using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint stlm_softmax(nint t, long dim, int dtype);
    [LibraryImport(Lib)] internal static partial nint stlm_log_softmax(nint t, long dim, int dtype);
    [LibraryImport(Lib)] internal static partial nint stlm_cross_entropy(nint input, nint target, nint weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial nint stlm_nll_loss(nint input, nint target, nint weight, int reduction, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial nint stlm_mse_loss(nint input, nint target, int reduction);
    [LibraryImport(Lib)] internal static partial nint stlm_embedding(nint weight, nint indices, long paddingIdx);
    [LibraryImport(Lib)] internal static partial nint stlm_dropout(nint t, double p, int train);
    [LibraryImport(Lib)] internal static partial nint stlm_linear(nint x, nint w, nint b);
    [LibraryImport(Lib)] internal static partial nint stlm_layer_norm(nint x, long* shape, int n, nint w, nint b, double eps);
    [LibraryImport(Lib)] internal static partial nint stlm_rms_norm(nint x, nint w, double eps);
    [LibraryImport(Lib)] internal static partial nint stlm_sdpa(nint q, nint k, nint v, nint mask, double p, int causal, double scale);
    [LibraryImport(Lib)] internal static partial nint stlm_sdpa_math(nint q, nint k, nint v, nint mask, double p, int causal, double scale);
    [LibraryImport(Lib)] internal static partial int stlm_sdpa_is_native();
}
