using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

public static unsafe partial class Torch
{
    /// <summary>Concatenates along an existing dim.</summary>
    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        Span<nint> handles = tensors.Length <= 64 ? stackalloc nint[tensors.Length] : new nint[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        fixed (nint* h = handles) return Tensor.FromHandle(Native.stlm_cat(h, handles.Length, dim));
    }

    /// <summary>Joins equally shaped tensors along a new dim.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        Span<nint> handles = tensors.Length <= 64 ? stackalloc nint[tensors.Length] : new nint[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        fixed (nint* h = handles) return Tensor.FromHandle(Native.stlm_stack(h, handles.Length, dim));
    }

    /// <summary>Elementwise choice: <paramref name="whenTrue"/> where the condition holds, else <paramref name="whenFalse"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor whenTrue, Tensor whenFalse) =>
        Tensor.FromHandle(Native.stlm_where(condition.Handle, whenTrue.Handle, whenFalse.Handle));
}
