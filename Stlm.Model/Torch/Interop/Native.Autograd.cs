using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial int stlm_set_requires_grad(nint t, int flag);
    [LibraryImport(Lib)] internal static partial int stlm_requires_grad(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_is_leaf(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_backward(nint t, nint grad, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int stlm_grad(nint t, nint* grad);
    [LibraryImport(Lib)] internal static partial int stlm_set_grad(nint t, nint grad);
    [LibraryImport(Lib)] internal static partial int stlm_zero_grad(nint t, int setToNone);
    [LibraryImport(Lib)] internal static partial nint stlm_detach(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_detach_(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_grad_enabled();
    [LibraryImport(Lib)] internal static partial void stlm_set_grad_enabled(int flag);
    [LibraryImport(Lib)] internal static partial nint stlm_grad_receipts_new(nint* leaves, int n);
    [LibraryImport(Lib)] internal static partial void stlm_grad_receipts_take(nint receipts, byte* receivedOut);
    [LibraryImport(Lib)] internal static partial void stlm_grad_receipts_free(nint receipts);
}
