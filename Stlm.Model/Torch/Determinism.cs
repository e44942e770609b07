using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// torch.use_deterministic_algorithms: ops without a deterministic kernel throw (or, warn-only,
/// warn) instead of giving results that vary run to run; cuDNN is pinned to deterministic kernels.
/// On CUDA, cuBLAS also needs CUBLAS_WORKSPACE_CONFIG=:4096:8 before its first call: Enable sets
/// it in the process environment when it is not set already.
/// </summary>
public static class Determinism
{
    public const string CublasWorkspaceConfig = ":4096:8";

    public static bool Enabled => Native.stlm_deterministic() != 0;
    public static bool WarnOnly => Native.stlm_deterministic_warn_only() != 0;

    public static void Enable(bool warnOnly = false) => Native.Check(Native.stlm_set_deterministic(1, warnOnly ? 1 : 0));

    public static void Disable() => Native.Check(Native.stlm_set_deterministic(0, 0));
}
