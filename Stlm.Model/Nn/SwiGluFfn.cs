using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// SwiGLU (Shazeer 2020) as Llama's MLP: down(silu(gate(x)) · up(x)), names gate_proj, up_proj,
/// down_proj. Three d×ffn matrices instead of two, hence the paper's 1536 = 3·512 inner size.
/// </summary>
public sealed class SwiGluFfn : FeedForward
{
    public Projection GateProj { get; }
    public Projection UpProj { get; }
    public Projection DownProj { get; }

    public SwiGluFfn(BlockConfig config)
        : this(new Linear(config.DModel, config.FfnHidden, ParameterGroup.Ffn, initStd: config.InitStd),
            new Linear(config.DModel, config.FfnHidden, ParameterGroup.Ffn, initStd: config.InitStd),
            new Linear(config.FfnHidden, config.DModel, ParameterGroup.Ffn, initStd: config.InitStd))
    {
    }

    public SwiGluFfn(Projection gate, Projection up, Projection down)
    {
        GateProj = RegisterModule("gate_proj", gate);
        UpProj = RegisterModule("up_proj", up);
        DownProj = RegisterModule("down_proj", down);
    }

    public override Tensor Forward(Tensor x)
    {
        using var scope = TorchScope.Begin();
        var hidden = GateProj.Forward(x).Silu() * UpProj.Forward(x);   // [..., ffn]
        return scope.Keep(DownProj.Forward(hidden));                   // [..., d]
    }
}
