using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Nn;

/// <summary>
/// Causal multi-head self-attention with rotary positions and grouped-query attention: n_heads
/// query heads share n_kv_heads key/value heads (n_kv_heads = n_heads is plain MHA). Projections
/// are named as Hugging Face's LlamaAttention: q_proj, k_proj, v_proj, o_proj (no biases).
/// </summary>
public sealed class CausalSelfAttention : Module
{
    readonly BlockConfig config;
    readonly Dropout attentionDropout;

    public Projection QProj { get; }
    public Projection KProj { get; }
    public Projection VProj { get; }
    public Projection OProj { get; }

    public CausalSelfAttention(BlockConfig config)
        : this(config,
            new Linear(config.DModel, config.NHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.DModel, config.NKvHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.DModel, config.NKvHeads * config.HeadDim, ParameterGroup.Attention, initStd: config.InitStd),
            new Linear(config.NHeads * config.HeadDim, config.DModel, ParameterGroup.Attention, initStd: config.InitStd))
    {
    }

    /// <summary>Attention over given projections (shared, or shared + LoRA).</summary>
    public CausalSelfAttention(BlockConfig config, Projection q, Projection k, Projection v, Projection o)
    {
        this.config = config;
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
        var (h, hkv, hd) = (config.NHeads, config.NKvHeads, config.HeadDim);

        var q = QProj.Forward(x).View(b, t, h, hd).Transpose(1, 2);     // [B, H, T, hd]
        var k = KProj.Forward(x).View(b, t, hkv, hd).Transpose(1, 2);   // [B, Hkv, T, hd]
        var v = VProj.Forward(x).View(b, t, hkv, hd).Transpose(1, 2);   // [B, Hkv, T, hd]
        if (rope is not null)
        {
            q = rope.Apply(q);
            k = rope.Apply(k);
        }

        var past = cache?.Length ?? 0;
        if (cache is not null) (k, v) = cache.Append(k, v);             // [B, Hkv, past + T, hd]

        if (config.KvGroups > 1)
        {
            // Each key/value head serves KvGroups consecutive query heads.
            k = k.RepeatInterleave(config.KvGroups, 1);                   // [B, H, S, hd]
            v = v.RepeatInterleave(config.KvGroups, 1);
        }

        var y = past == 0
            ? F.ScaledDotProductAttention(q, k, v, dropoutP: attentionDropout.ActiveP, isCausal: true)
            : F.ScaledDotProductAttention(q, k, v, CachedCausalMask(t, past, x.Device), attentionDropout.ActiveP);   // [B, H, T, hd]

        y = y.Transpose(1, 2).Reshape(b, t, h * hd);                      // [B, T, H·hd]
        return scope.Keep(OProj.Forward(y));                             // [B, T, d]
    }

    /// <summary>Query i (at position past + i) may see keys 0 ..= past + i: [T, past + T] bools.</summary>
    static Tensor CachedCausalMask(long t, long past, Device device)
    {
        var queryPositions = Torch.Arange(past, past + t, 1, DType.Int64, device).Unsqueeze(1);   // [T, 1]
        var keyPositions = Torch.Arange(0, past + t, 1, DType.Int64, device).Unsqueeze(0);        // [1, S]
        return keyPositions <= queryPositions;
    }
}
