using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

// The paper's baseline "modern transformer", top to bottom, in Hugging Face's LlamaForCausalLM
// shape and names (so an export loads into transformers as is):
//
//   LlamaForCausalLM   model + lm_head, and the training loss
//   └ LlamaModel       embed_tokens, then the causal stack
//     └ CausalStack    layers.N, norm (the core every other architecture reuses)
//       └ TransformerBlock   input_layernorm, self_attn, post_attention_layernorm, mlp
//         ├ RmsNorm
//         ├ CausalSelfAttention   q/k/v/o_proj, rotary positions, grouped-query heads
//         └ SwiGluFfn             gate/up/down_proj
//
// B batch, T positions, d = d-model, V vocabulary, H query heads, Hkv key/value heads, hd head size.

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

/// <summary>cos and sin of the rotation angles for a run of positions: [T, hd] each (or [B, 1, T, hd], one run per row).</summary>
public sealed record RopeAngles(Tensor Cos, Tensor Sin)
{
    /// <summary>
    /// Rotates pairs (x_i, x_{i+d/2}) of the last dim by position-dependent angles — Hugging Face
    /// Llama's "rotate half" layout: x·cos + rotate_half(x)·sin, rotate_half(x) = [-x₂, x₁].
    /// x: [B, H, T, hd] → same shape.
    /// </summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = TorchScope.Begin();
        // Angles are f32; a half-precision model rotates in its own dtype, as Hugging Face does.
        var cos = Cos.DType == x.DType ? Cos : Cos.To(x.DType);
        var sin = Sin.DType == x.DType ? Sin : Sin.To(x.DType);
        return scope.Keep(F.Rotary(x, cos, sin));
    }
}

/// <summary>
/// Rotary position embedding (Su et al. 2021): inv_freq_i = θ^(-2i/d); the angle of position p is
/// p·inv_freq, repeated for both halves of the head. Angles are computed per forward for the
/// positions in use, so a KV cache simply asks for positions starting at its length.
/// </summary>
public sealed class RotaryEmbedding : Module
{
    Tensor invFreq;

    public RotaryEmbedding(int headDim, double theta)
    {
        using var scope = TorchScope.Begin();
        var exponents = Torch.Arange(0, headDim, 2, DType.Float32) / headDim;   // [hd/2]
        // Same formula and f32 rounding as Hugging Face: 1 / θ^(2i/d).
        invFreq = RegisterBuffer("inv_freq", scope.Keep(1.0 / Torch.Full([], theta).Pow(exponents)), persistent: false, keepsDType: true);
    }

    protected override void OnBufferMoved(string name, Tensor tensor) => invFreq = tensor;

    /// <summary>Angles for positions start, ..., start + length - 1.</summary>
    public RopeAngles Angles(long start, long length)
    {
        using var scope = TorchScope.Begin();
        var positions = Torch.Arange(start, start + length, 1, DType.Float32, invFreq.Device);   // [T]
        var freqs = positions.Outer(invFreq);                                                    // [T, hd/2]
        var angles = Torch.Cat([freqs, freqs], -1);                                              // [T, hd]
        return new RopeAngles(scope.Keep(angles.Cos()), scope.Keep(angles.Sin()));
    }
}

/// <summary>
/// Causal multi-head self-attention with rotary positions and grouped-query attention: n-heads
/// query heads share n-kv-heads key/value heads (n-kv-heads = n-heads is plain MHA). Projections
/// are named as Hugging Face's LlamaAttention: q_proj, k_proj, v_proj, o_proj (no biases).
/// </summary>
public sealed class CausalSelfAttention : Module
{
    readonly int heads, kvHeads, headDim;
    readonly Dropout attentionDropout;

    public Projection QProj { get; }
    public Projection KProj { get; }
    public Projection VProj { get; }
    public Projection OProj { get; }

    public CausalSelfAttention(ModelConfig config)
        : this(config,
            new Linear(config.DModel, config.NHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.DModel, config.NKvHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.DModel, config.NKvHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.NHeads * config.HeadDim, config.DModel, ParameterGroup.Attention, initStd: config.InitStd))
    {
    }

    /// <summary>Attention over given projections (shared, or shared + LoRA).</summary>
    public CausalSelfAttention(ModelConfig config, Projection q, Projection k, Projection v, Projection o)
    {
        (heads, kvHeads, headDim) = (config.NHeads, config.NKvHeads, config.HeadDim);
        QProj = RegisterModule("q_proj", q);
        KProj = RegisterModule("k_proj", k);
        VProj = RegisterModule("v_proj", v);
        OProj = RegisterModule("o_proj", o);
        attentionDropout = RegisterModule("attn_dropout", new Dropout(config.Dropout));
    }

    /// <summary>
    /// x: [B, T, d] → [B, T, d]. <paramref name="rope"/> holds the angles of these T positions
    /// (null: no rotation). With a cache, keys and values of earlier positions come from it and
    /// this step's are appended.
    /// </summary>
    public Tensor Forward(Tensor x, RopeAngles? rope, LayerKvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var (b, t) = (x.Size(0), x.Size(1));

        var q = QProj.Forward(x).View(b, t, heads, headDim).Transpose(1, 2);     // [B, H, T, hd]
        var k = KProj.Forward(x).View(b, t, kvHeads, headDim).Transpose(1, 2);   // [B, Hkv, T, hd]
        var v = VProj.Forward(x).View(b, t, kvHeads, headDim).Transpose(1, 2);   // [B, Hkv, T, hd]
        if (rope is not null)
        {
            q = rope.Apply(q);
            k = rope.Apply(k);
        }

        var past = cache?.Length ?? 0;
        if (cache is not null) (k, v) = cache.Append(k, v);                      // [B, Hkv, S = past + T, hd]

        if (heads > kvHeads)
        {
            // Each key/value head serves heads / kvHeads consecutive query heads.
            k = k.RepeatInterleave(heads / kvHeads, 1);                          // [B, H, S, hd]
            v = v.RepeatInterleave(heads / kvHeads, 1);
        }

        // Without a cache the kernel's own causal path; after one, query i sits at position past + i.
        var mask = past == 0 ? null : CachedCausalMask(t, past, x.Device);      // [T, S]
        var y = F.ScaledDotProductAttention(q, k, v, mask, attentionDropout.ActiveP, isCausal: mask is null);   // [B, H, T, hd]

        y = y.Transpose(1, 2).Reshape(b, t, heads * headDim);                   // [B, T, H·hd]
        return scope.Keep(OProj.Forward(y));                                     // [B, T, d]
    }

    /// <summary>Query i (at position past + i) may see keys 0 ..= past + i: [T, past + T] bools.</summary>
    static Tensor CachedCausalMask(long t, long past, Device device)
    {
        var queryPositions = Torch.Arange(past, past + t, 1, DType.Int64, device).Unsqueeze(1);   // [T, 1]
        var keyPositions = Torch.Arange(0, past + t, 1, DType.Int64, device).Unsqueeze(0);        // [1, S]
        return keyPositions <= queryPositions;
    }
}

/// <summary>The position-wise MLP of a block: [..., d] → [..., d].</summary>
public abstract class FeedForward : Module
{
    public abstract Tensor Forward(Tensor x);

    public static FeedForward Create(ModelConfig config) => config.Activation switch
    {
        FfnActivation.Swiglu => new SwiGluFfn(config),
        FfnActivation.Gelu => new GeluFfn(config),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Activation, "unknown FFN activation"),
    };
}

/// <summary>
/// SwiGLU (Shazeer 2020) as Llama's MLP: down(silu(gate(x)) · up(x)), names gate_proj, up_proj,
/// down_proj. Three d×ffn matrices instead of two, hence the paper's 1536 = 3·512 inner size.
/// </summary>
public sealed class SwiGluFfn : FeedForward
{
    public Projection GateProj { get; }
    public Projection UpProj { get; }
    public Projection DownProj { get; }

    public SwiGluFfn(ModelConfig config)
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
        var hidden = F.SwiGlu(GateProj.Forward(x), UpProj.Forward(x));   // silu(gate) · up: [..., ffn]
        return scope.Keep(DownProj.Forward(hidden));                   // [..., d]
    }
}

/// <summary>
/// The pre-norm block (Hugging Face's LlamaDecoderLayer):
///   x = x + dropout(attention(rmsnorm(x)))
///   x = x + dropout(ffn(rmsnorm(x)))
/// Any config of width d works, so byte encoders and MEGABYTE's local model use it too.
/// </summary>
public sealed class TransformerBlock : Module
{
    public RmsNorm InputLayerNorm { get; }
    public CausalSelfAttention SelfAttention { get; }
    public RmsNorm PostAttentionLayerNorm { get; }
    public FeedForward Mlp { get; }
    readonly Dropout residualDropout;

    public TransformerBlock(ModelConfig config) : this(config, new CausalSelfAttention(config), FeedForward.Create(config))
    {
    }

    /// <summary>A block over given (possibly shared) attention and FFN; its norms are its own.</summary>
    public TransformerBlock(ModelConfig config, CausalSelfAttention attention, FeedForward ffn)
    {
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

/// <summary>
/// The core of a language model without its token embedding and head: n-layers blocks with
/// rotary positions over context-length positions, then the final RMSNorm. The byte-level and
/// early-exit architectures put their own input vectors through it.
/// </summary>
public class CausalStack : Module
{
    public ModuleList<TransformerBlock> Layers { get; }
    public RmsNorm Norm { get; }
    public RotaryEmbedding Rotary { get; }

    /// <summary>n-layers blocks of their own.</summary>
    public CausalStack(ModelConfig config)
        : this(config, Enumerable.Range(0, config.NLayers).Select(_ => new TransformerBlock(config)).ToList())
    {
    }

    /// <summary>
    /// Given (possibly shared) layers, after the <paramref name="inputs"/> that feed them: those are
    /// registered first because registration order is the parameters' order, which the optimizer
    /// and the gradient norm follow.
    /// </summary>
    protected CausalStack(ModelConfig config, IReadOnlyList<TransformerBlock> layers, params (string Name, Module Module)[] inputs)
    {
        foreach (var (name, module) in inputs) RegisterModule(name, module);
        Layers = RegisterModule("layers", new ModuleList<TransformerBlock>(layers));
        Norm = RegisterModule("norm", new RmsNorm(config.DModel, config.NormEps));
        Rotary = RegisterModule("rotary_emb", new RotaryEmbedding(config.HeadDim, config.RopeTheta));
    }

    public int LayerCount => Layers.Count;

    /// <summary>x: [B, T, d] → normalised hidden [B, T, d]; with a cache, x continues the cached positions.</summary>
    public Tensor Forward(Tensor x, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var rope = Rotary.Angles(cache?.Length ?? 0, x.Size(1));   // cos, sin: [T, hd]
        for (var i = 0; i < Layers.Count; i++)
            x = Layers[i].Forward(x, rope, cache?[i]);              // [B, T, d]
        return scope.Keep(Norm.Forward(x));                         // [B, T, d]
    }
}

/// <summary>
/// Hugging Face's LlamaModel: the token embedding (embed_tokens), then the causal stack over the
/// layers of the config's weight sharing (<see cref="SharedLayers"/>). Tokens in, final
/// normalised hidden states out.
/// </summary>
public sealed class LlamaModel : CausalStack
{
    readonly Dropout embeddingDropout;

    public LlamaModel(ModelConfig config)
        : this(config, new Embedding(config.VocabSize, config.DModel, initStd: config.InitStd), new Dropout(config.Dropout))
    {
    }

    LlamaModel(ModelConfig config, Embedding embedTokens, Dropout embeddingDropout)
        : base(config, SharedLayers.Build(config), ("embed_tokens", embedTokens), ("embed_dropout", embeddingDropout))
    {
        EmbedTokens = embedTokens;
        this.embeddingDropout = embeddingDropout;
    }

    public Embedding EmbedTokens { get; }

    /// <summary>ids [B, T] → hidden [B, T, d].</summary>
    public new Tensor Forward(Tensor ids, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var x = embeddingDropout.Forward(EmbedTokens.Forward(ids));   // [B, T, d]
        return scope.Keep(base.Forward(x, cache));                     // [B, T, d]
    }
}

/// <summary>
/// The baseline model of the paper: model.{embed_tokens, layers.N.{input_layernorm,
/// self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp.{gate,up,down}_proj}, norm} and
/// lm_head. With tied embeddings the head multiplies by the embedding matrix itself (the state
/// dict lists it once). Weights are initialised from (config, seed) alone.
/// </summary>
public sealed class LlamaForCausalLM : Module, ICausalLanguageModel, ILanguageModel
{
    public ModelConfig Config { get; }
    public LlamaModel Model { get; }
    public Linear LmHead { get; }

    public LlamaForCausalLM(ModelConfig config, ulong seed)
    {
        config.Validate();
        if (config.Architecture != ArchitectureKind.Llama)
            throw new StlmException($"model: architecture = {config.Architecture} is not built by LlamaForCausalLM; set model.architecture = llama");
        Config = config;
        Model = RegisterModule("model", new LlamaModel(config));
        LmHead = RegisterModule("lm_head", config.TieEmbeddings
            ? new Linear(Model.EmbedTokens.Weight)
            : new Linear(config.DModel, config.VocabSize, ParameterGroup.Head, initStd: config.InitStd));
        InitializeWeights(seed);
    }

    public int VocabSize => Config.VocabSize;
    public int ContextLength => Config.ContextLength;
    public int LayerCount => Config.NLayers;
    Module ILanguageModel.Module => this;

    /// <summary>ids [B, T] (int64) → logits [B, T, V].</summary>
    public Tensor Forward(Tensor ids, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var hidden = Model.Forward(ids, cache);          // [B, T, d]
        return scope.Keep(LmHead.Forward(hidden));       // [B, T, V]
    }

    /// <summary>
    /// Mean next-token cross-entropy of ids [B, T] against targets [B, T] (padding targets
    /// <see cref="LanguageModelLoss.IgnoreIndex"/> left out). The head and the cross-entropy are
    /// one fused op, so the [B·T, V] logits are never kept (the same value and gradients).
    /// </summary>
    public Tensor Loss(Tensor ids, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var hidden = Model.Forward(ids);                                  // [B, T, d]
        return scope.Keep(F.LinearCrossEntropy(hidden, LmHead.Weight.Value, targets, LanguageModelLoss.IgnoreIndex));
    }
}

/// <summary>The token models' loss, for the architectures that go through their logits.</summary>
public static class LanguageModelLoss
{
    /// <summary>Targets with this id (padding) neither add to the loss nor count (torch's default).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Mean cross-entropy of logits [B, T, V] against targets [B, T] (the ids shifted by one).</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var v = logits.Size(-1);
        return scope.Keep(F.CrossEntropy(logits.Reshape(-1, v), targets.Reshape(-1), ignoreIndex: IgnoreIndex));
    }
}
