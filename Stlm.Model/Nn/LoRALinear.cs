using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>
/// A shared weight W plus a low-rank adapter of this layer's own (Hu et al. 2021, LoRA):
/// y = x Wᵀ + (x Aᵀ) Bᵀ with A: (r, in), B: (out, r). B starts at zero, so every layer starts
/// as the shared one and learns its own difference of rank r. The scale α/r of the paper is
/// folded into the learning rate here (α = r): one knob fewer.
/// </summary>
public sealed class LoRALinear : Projection
{
    public Parameter Weight { get; }
    public Parameter LoraA { get; }
    public Parameter LoraB { get; }
    public int Rank { get; }

    public LoRALinear(Parameter sharedWeight, int rank, double initStd = 0.02)
    {
        if (rank <= 0) throw new StlmException($"model: lora-rank must be positive for a LoRA adapter, got {rank}");
        Rank = rank;
        var (outFeatures, inFeatures) = (sharedWeight.Shape[0], sharedWeight.Shape[1]);
        Weight = RegisterParameter("weight", sharedWeight);
        LoraA = RegisterParameter("lora_a", [rank, inFeatures], ParameterGroup.Adapter, new ParameterInit.Normal(initStd));
        LoraB = RegisterParameter("lora_b", [outFeatures, rank], ParameterGroup.Adapter, ParameterInit.Zeros);
    }

    public override long InFeatures => Weight.Shape[1];
    public override long OutFeatures => Weight.Shape[0];

    public override Tensor Forward(Tensor x)
    {
        using var scope = TorchScope.Begin();
        var shared = F.Linear(x, Weight.Value);                        // [..., out]
        var delta = F.Linear(F.Linear(x, LoraA.Value), LoraB.Value);   // [..., r] → [..., out]
        return scope.Keep(shared + delta);
    }

    /// <summary>W + B A: the plain matrix this layer applies (what an export writes).</summary>
    public override Tensor EffectiveWeight()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        return scope.Keep(Weight.Value + LoraB.Value.MatMul(LoraA.Value));
    }
}
