using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The core of a language model without its token embedding and head: n causal pre-norm blocks
/// with rotary positions, then the final RMSNorm. Named as Hugging Face's LlamaModel (layers.N,
/// norm), so any model that puts its input vectors through it has the baseline's core.
/// </summary>
public sealed class CausalStack : Module
{
    public ModuleList<TransformerBlock> Layers { get; }
    public RmsNorm Norm { get; }
    public RotaryEmbedding Rotary { get; }

    public CausalStack(CoreStackConfig config)
    {
        Layers = RegisterModule("layers", new ModuleList<TransformerBlock>(
            Enumerable.Range(0, config.NLayers).Select(_ => new TransformerBlock(config.Block))));
        Norm = RegisterModule("norm", new RmsNorm(config.DModel, config.Block.NormEps));
        Rotary = RegisterModule("rotary_emb", new RotaryEmbedding(config.Block.HeadDim, config.RopeTheta));
    }

    public int LayerCount => Layers.Count;

    /// <summary>x: [B, T, d] → normalised hidden [B, T, d]; with a cache, x continues the cached positions.</summary>
    public Tensor Forward(Tensor x, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var rope = Rotary.Angles(cache?.Length ?? 0, x.Size(1));   // cos, sin: [T, head_dim]
        for (var i = 0; i < Layers.Count; i++)
            x = Layers[i].Forward(x, rope, cache?[i]);              // [B, T, d]
        return scope.Keep(Norm.Forward(x));                         // [B, T, d]
    }
}
