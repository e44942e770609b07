using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>GPT-2's MLP without biases: down(gelu(up(x))), names up_proj, down_proj.</summary>
public sealed class GeluFfn : FeedForward
{
    public Projection UpProj { get; }
    public Projection DownProj { get; }

    public GeluFfn(ModelConfig config)
        : this(new Linear(config.DModel, config.FfnHidden, ParameterGroup.Ffn, initStd: config.InitStd),
            new Linear(config.FfnHidden, config.DModel, ParameterGroup.Ffn, initStd: config.InitStd))
    {
    }

    public GeluFfn(Projection up, Projection down)
    {
        UpProj = RegisterModule("up_proj", up);
        DownProj = RegisterModule("down_proj", down);
    }

    public override Tensor Forward(Tensor x)
    {
        using var scope = TorchScope.Begin();
        var hidden = UpProj.Forward(x).Gelu();          // [..., ffn]
        return scope.Keep(DownProj.Forward(hidden));    // [..., d]
    }
}
