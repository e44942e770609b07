using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>LayerNorm over the last dim with a gain and (optionally) a bias, as GPT-2.</summary>
public sealed class LayerNorm : Module
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public double Eps { get; }

    public LayerNorm(long dim, double eps, bool bias = true)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", [dim], ParameterGroup.Norm, ParameterInit.Ones);
        if (bias) Bias = RegisterParameter("bias", [dim], ParameterGroup.Norm, ParameterInit.Zeros);
    }

    /// <summary>[..., dim] → [..., dim].</summary>
    public Tensor Forward(Tensor x) => F.LayerNorm(x, [Weight.Shape[0]], Weight.Value, Bias?.Value, Eps);
}
