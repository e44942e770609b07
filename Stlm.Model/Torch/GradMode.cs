using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// Restores the calling thread's previous grad mode when disposed:
/// <code>using var _ = Torch.NoGrad();</code>
/// </summary>
public readonly struct GradModeScope : IDisposable
{
    readonly bool previous;

    internal GradModeScope(bool enabled)
    {
        previous = Native.stlm_grad_enabled() != 0;
        Native.stlm_set_grad_enabled(enabled ? 1 : 0);
    }

    public void Dispose() => Native.stlm_set_grad_enabled(previous ? 1 : 0);
}

public static partial class Torch
{
    /// <summary>Turns autograd recording off on this thread until the returned scope is disposed.</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Turns autograd recording on (e.g. inside a NoGrad region) until disposed.</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>Whether this thread records ops for autograd.</summary>
    public static bool IsGradEnabled => Native.stlm_grad_enabled() != 0;
}
