using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The decoder stack, named as Hugging Face's LlamaModel: embed_tokens, layers.N, norm.
/// Tokens in, final normalised hidden states out.
/// </summary>
public sealed class LlamaModel : Module
{
    public Embedding EmbedTokens { get; }
    public ModuleList<TransformerBlock> Layers { get; }
    public RmsNorm Norm { get; }
    public RotaryEmbedding Rotary { get; }
    readonly Dropout embeddingDropout;

    public LlamaModel(ModelConfig config)
    {
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(config.VocabSize, config.DModel, initStd: config.InitStd));
        embeddingDropout = RegisterModule("embed_dropout", new Dropout(config.Dropout));
        Layers = RegisterModule("layers", new ModuleList<TransformerBlock>(SharedLayers.Build(config)));
        Norm = RegisterModule("norm", new RmsNorm(config.DModel, config.NormEps));
        Rotary = RegisterModule("rotary_emb", new RotaryEmbedding(config.Block.HeadDim, config.RopeTheta));
    }

    /// <summary>ids [B, T] → hidden [B, T, d].</summary>
    public Tensor Forward(Tensor ids, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var start = cache?.Length ?? 0;
        var x = embeddingDropout.Forward(EmbedTokens.Forward(ids));     // [B, T, d]
        var rope = Rotary.Angles(start, ids.Size(1));                   // cos, sin: [T, head_dim]
        for (var i = 0; i < Layers.Count; i++)
            x = Layers[i].Forward(x, rope, cache?[i]);                  // [B, T, d]
        return scope.Keep(Norm.Forward(x));                             // [B, T, d]
    }
}
