using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// A linear map x ↦ x Wᵀ of shape (out, in). Attention and FFNs are written against this, so a
/// plain <see cref="Linear"/> and a shared weight with a LoRA adapter (<see cref="LoRALinear"/>)
/// are interchangeable.
/// </summary>
public abstract class Projection : Module
{
    public abstract long InFeatures { get; }
    public abstract long OutFeatures { get; }

    /// <summary>[..., in] → [..., out].</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>The (out, in) matrix this projection applies, as one tensor (for export).</summary>
    public abstract Tensor EffectiveWeight();
}
