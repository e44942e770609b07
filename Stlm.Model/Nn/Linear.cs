using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>y = x Wᵀ (+ b). No bias by default: the modern transformer has none.</summary>
public sealed class Linear : Projection
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public Linear(long inFeatures, long outFeatures, ParameterGroup group, bool bias = false, double initStd = 0.02)
        : this(new Parameter([outFeatures, inFeatures], group, new ParameterInit.Normal(initStd)), bias)
    {
    }

    /// <summary>A linear layer over an existing (possibly shared) weight of shape (out, in).</summary>
    public Linear(Parameter weight, bool bias = false)
    {
        Weight = RegisterParameter("weight", weight);
        if (bias) Bias = RegisterParameter("bias", [weight.Shape[0]], weight.Group, ParameterInit.Zeros);
    }

    public override long InFeatures => Weight.Shape[1];
    public override long OutFeatures => Weight.Shape[0];

    public override Tensor Forward(Tensor x) => F.Linear(x, Weight.Value, Bias?.Value);

    public override Tensor EffectiveWeight() => Weight.Value.Detach();
}
