using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>A lookup table: ids [...] → vectors [..., dim].</summary>
public sealed class Embedding : Module
{
    public Parameter Weight { get; }

    public Embedding(long count, long dim, ParameterGroup group = ParameterGroup.Embedding, double initStd = 0.02)
    {
        Weight = RegisterParameter("weight", [count, dim], group, new ParameterInit.Normal(initStd));
    }

    public long Count => Weight.Shape[0];
    public long Dim => Weight.Shape[1];

    public Tensor Forward(Tensor ids) => F.Embedding(ids, Weight.Value);
}
