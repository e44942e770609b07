using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// Which leaves received a gradient from backward since the last <see cref="Take"/>: a native
/// hook on each leaf raises its flag before the gradient is accumulated. Where every leaf's
/// gradient is a preset buffer that backward accumulates into, it is the only way to tell a leaf
/// that took no part in the loss from one whose gradient is zero. The hooks live as long as this object.
/// </summary>
public sealed unsafe class GradientReceipts : IDisposable
{
    nint handle;

    /// <param name="leaves">Leaves (the optimizer's parameters), kept alive by the native side; a frozen one never receives a gradient.</param>
    public GradientReceipts(IReadOnlyList<Tensor> leaves)
    {
        var handles = new nint[leaves.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = leaves[i].Handle;
        fixed (nint* h = handles) handle = Native.stlm_grad_receipts_new(h, handles.Length);
        if (handle == 0) throw TorchException.FromLastError();
        Count = handles.Length;
    }

    public int Count { get; }

    /// <summary>received[i] is whether leaf i got a gradient since the last take; then every flag drops.</summary>
    public void Take(Span<bool> received)
    {
        ObjectDisposedException.ThrowIf(handle == 0, this);
        if (received.Length != Count) throw new ArgumentException($"{Count} flags expected, got {received.Length}", nameof(received));
        Span<byte> flags = Count <= 1024 ? stackalloc byte[Count] : new byte[Count];
        fixed (byte* f = flags) Native.stlm_grad_receipts_take(handle, f);
        for (var i = 0; i < flags.Length; i++) received[i] = flags[i] != 0;
    }

    public void Dispose()
    {
        if (handle != 0) Native.stlm_grad_receipts_free(handle);
        handle = 0;
    }
}
