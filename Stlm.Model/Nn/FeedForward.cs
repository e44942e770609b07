using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>The position-wise MLP of a block: [..., d] → [..., d].</summary>
public abstract class FeedForward : Module
{
    public abstract Tensor Forward(Tensor x);

    public static FeedForward Create(BlockConfig config) => config.Activation switch
    {
        FfnActivation.Swiglu => new SwiGluFfn(config),
        FfnActivation.Gelu => new GeluFfn(config),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Activation, "unknown FFN activation"),
    };
}
