using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

// Autograd on a tensor: flags, backward, gradients, detach.
public sealed partial class Tensor
{
    /// <summary>Whether autograd records ops on this tensor (settable on leaves of floating dtype).</summary>
    public bool RequiresGrad
    {
        get => Native.stlm_requires_grad(Handle) != 0;
        set => Native.Check(Native.stlm_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for chaining at creation.</summary>
    public Tensor RequiresGrad_(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    public bool IsLeaf => Native.stlm_is_leaf(Handle) != 0;

    /// <summary>
    /// Accumulates d(this)/d(leaf) into every leaf's <see cref="Grad"/>. A non-scalar output needs
    /// <paramref name="gradient"/> (the vector of the vector-Jacobian product).
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Native.Check(Native.stlm_backward(Handle, gradient?.Handle ?? 0, retainGraph ? 1 : 0, createGraph ? 1 : 0));

    /// <summary>The accumulated gradient (a new wrapper sharing it), or null before any backward.</summary>
    public unsafe Tensor? Grad
    {
        get
        {
            nint grad;
            Native.Check(Native.stlm_grad(Handle, &grad));
            return grad == 0 ? null : new Tensor(grad);
        }
        set => Native.Check(Native.stlm_set_grad(Handle, value?.Handle ?? 0));
    }

    /// <summary>Clears the gradient: drops it (the default, as torch) or zeroes it in place.</summary>
    public void ZeroGrad(bool setToNone = true) => Native.Check(Native.stlm_zero_grad(Handle, setToNone ? 1 : 0));

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => FromHandle(Native.stlm_detach(Handle));

    /// <summary>Cuts this tensor from the graph in place and returns it.</summary>
    public Tensor DetachInPlace()
    {
        Native.Check(Native.stlm_detach_(Handle));
        return this;
    }
}
