using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>
/// RMSNorm (Zhang &amp; Sennrich 2019), as Hugging Face's LlamaRMSNorm: x / sqrt(mean(x²) + eps) · g,
/// computed in f32 for half-precision inputs. No mean subtraction, no bias.
/// </summary>
public sealed class RmsNorm : Module
{
    public Parameter Weight { get; }
    public double Eps { get; }

    public RmsNorm(long dim, double eps)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", [dim], ParameterGroup.Norm, ParameterInit.Ones);
    }

    /// <summary>[..., dim] → [..., dim].</summary>
    public Tensor Forward(Tensor x) => F.RmsNorm(x, Weight.Value, Eps);
}
