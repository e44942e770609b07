using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

/// <summary>One parameter group's hyperparameters as Native/optim.cpp reads them (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeGroupOptions
{
    public double Lr, Beta1, Beta2, Eps, WeightDecay, Momentum, Dampening;
    public int Nesterov, Maximize;
}

// Native/optim.cpp
internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint stlm_optim_new(int kind, nint* parameters, int* groupOf, int n);
    [LibraryImport(Lib)] internal static partial void stlm_optim_free(nint optimizer);
    [LibraryImport(Lib)] internal static partial int stlm_optim_step(nint optimizer, NativeGroupOptions* groups, int ngroups);
    [LibraryImport(Lib)] internal static partial int stlm_optim_get_steps(nint optimizer, long* steps);
    [LibraryImport(Lib)] internal static partial int stlm_optim_set_steps(nint optimizer, long* steps);
    [LibraryImport(Lib)] internal static partial int stlm_optim_get_slot(nint optimizer, int index, int slot, nint* value);
    [LibraryImport(Lib)] internal static partial int stlm_optim_set_slot(nint optimizer, int index, int slot, nint value);
    [LibraryImport(Lib)] internal static partial nint stlm_clip_grad_norm(nint* parameters, int n, double maxNorm, double normType, int errorIfNonfinite);
    [LibraryImport(Lib)] internal static partial int stlm_zero_grads(nint* parameters, int n, int setToNone);
    [LibraryImport(Lib)] internal static partial int stlm_param_get_grad(nint parameter, nint* grad);
    [LibraryImport(Lib)] internal static partial int stlm_param_assign_grad(nint parameter, nint grad);
}
