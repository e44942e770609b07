using Stlm.Model.LibTorch;

namespace Stlm.Model.Nn;

/// <summary>
/// The pre-norm block of the modern transformer (Hugging Face's LlamaDecoderLayer):
///   x = x + dropout(attention(rmsnorm(x)))
///   x = x + dropout(ffn(rmsnorm(x)))
/// Works on any [B, T, d] input with its own <see cref="BlockConfig"/>, so byte encoders and
/// local models reuse it.
/// </summary>
public sealed class TransformerBlock : Module
{
    public RmsNorm InputLayerNorm { get; }
    public CausalSelfAttention SelfAttention { get; }
    public RmsNorm PostAttentionLayerNorm { get; }
    public FeedForward Mlp { get; }
    readonly Dropout residualDropout;

    public TransformerBlock(BlockConfig config) : this(config, new CausalSelfAttention(config), FeedForward.Create(config))
    {
    }

    /// <summary>A block over given (possibly shared) attention and FFN; its norms are its own.</summary>
    public TransformerBlock(BlockConfig config, CausalSelfAttention attention, FeedForward ffn)
    {
        config.Validate();
        InputLayerNorm = RegisterModule("input_layernorm", new RmsNorm(config.DModel, config.NormEps));
        SelfAttention = RegisterModule("self_attn", attention);
        PostAttentionLayerNorm = RegisterModule("post_attention_layernorm", new RmsNorm(config.DModel, config.NormEps));
        Mlp = RegisterModule("mlp", ffn);
        residualDropout = RegisterModule("resid_dropout", new Dropout(config.Dropout));
    }

    /// <summary>x: [B, T, d] → [B, T, d].</summary>
    public Tensor Forward(Tensor x, RopeAngles? rope, LayerKvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        x = x + residualDropout.Forward(SelfAttention.Forward(InputLayerNorm.Forward(x), rope, cache));
        x = x + residualDropout.Forward(Mlp.Forward(PostAttentionLayerNorm.Forward(x)));
        return scope.Keep(x);
    }
}
