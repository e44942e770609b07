using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch.Optim;

/// <summary>Whole-model gradient operations, each one native call over all parameters.</summary>
public static unsafe class Gradients
{
    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: the norm (of order <paramref name="normType"/>, ∞ allowed)
    /// of all gradients together; when above maxNorm every gradient is scaled by
    /// maxNorm / (norm + 1e-6). Returns the norm before clipping as a 0-d tensor.
    /// </summary>
    public static Tensor ClipNorm(IReadOnlyList<Tensor> parameters, double maxNorm, double normType = 2.0,
                                  bool errorIfNonfinite = false)
    {
        var handles = Handles(parameters);
        fixed (nint* h = handles)
            return Tensor.FromHandle(Native.stlm_clip_grad_norm(h, handles.Length, maxNorm, normType, errorIfNonfinite ? 1 : 0));
    }

    /// <summary>Drops each parameter's gradient (setToNone) or zeroes it in place.</summary>
    public static void Zero(IReadOnlyList<Tensor> parameters, bool setToNone = true)
    {
        var handles = Handles(parameters);
        fixed (nint* h = handles)
            Native.Check(Native.stlm_zero_grads(h, handles.Length, setToNone ? 1 : 0));
    }

    /// <summary>A parameter's gradient (sharing its memory), or null when it has none.</summary>
    internal static Tensor? Get(Tensor parameter)
    {
        nint grad;
        Native.Check(Native.stlm_param_get_grad(parameter.Handle, &grad));
        return grad == 0 ? null : Tensor.FromHandle(grad);
    }

    /// <summary>Makes <paramref name="grad"/> (same shape, dtype, device) the parameter's gradient; null drops it.</summary>
    internal static void Set(Tensor parameter, Tensor? grad) =>
        Native.Check(Native.stlm_param_assign_grad(parameter.Handle, grad?.Handle ?? 0));

    static nint[] Handles(IReadOnlyList<Tensor> parameters)
    {
        var handles = new nint[parameters.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = parameters[i].Handle;
        return handles;
    }
}
