using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// An open autocast region on the calling thread; disposing it restores the previous state (and
/// drops autocast's cached low-precision weight copies when the outermost region closes):
/// <code>using (Torch.Autocast(Device.Cpu, DType.BFloat16)) loss = model.Loss(x, y);</code>
/// </summary>
public readonly struct AutocastScope : IDisposable
{
    readonly DeviceType device;
    readonly int wasEnabled, wasDType;

    internal unsafe AutocastScope(DeviceType device, DType dtype)
    {
        this.device = device;
        int enabled, previous;
        Native.Check(Native.stlm_autocast_enter((int)device, (int)dtype, &enabled, &previous));
        (wasEnabled, wasDType) = (enabled, previous);
    }

    public void Dispose() => Native.Check(Native.stlm_autocast_exit((int)device, wasEnabled, wasDType));
}

public static partial class Torch
{
    /// <summary>
    /// Mixed precision until disposed: on <paramref name="device"/>'s type, matmuls, linears and
    /// batched matmuls run in <paramref name="dtype"/>, losses in float32, parameters stay as
    /// they are (float32 masters); the fused head and the attention softmax follow the same rule.
    /// Open it around the forward pass only: the backward follows the dtypes the forward chose.
    /// </summary>
    public static AutocastScope Autocast(Device device, DType dtype) => new(device.Type, dtype);

    /// <summary>Whether an autocast region is open on this thread for the device's type.</summary>
    public static bool IsAutocastEnabled(Device device) => Native.stlm_autocast_enabled((int)device.Type) switch
    {
        < 0 => throw TorchException.FromLastError(),
        var on => on == 1,
    };
}
