using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// One vector per chunk: embed its bytes (small dim), run a small transformer over the bytes of
/// each chunk separately, take the masked mean over the real bytes and project it to the core's
/// width. The encoder's attention is causal within the chunk; since padding always comes after
/// the bytes, no real byte ever attends to a pad, and the mean leaves the pads out — so pad ids
/// have no influence at all.
/// </summary>
public sealed class ByteChunkEncoder : Module
{
    public Embedding EmbedBytes { get; }
    public CausalStack Layers { get; }
    public Linear ToCore { get; }

    public ByteChunkEncoder(BytePooledConfig config, Embedding embedBytes)
    {
        EmbedBytes = RegisterModule("embed_bytes", embedBytes);
        Layers = RegisterModule("byte_model", new CausalStack(new CoreStackConfig(config.PoolingLayers, config.ByteBlock, config.MaxTokenBytes)));
        ToCore = RegisterModule("proj", new Linear(config.ByteDim, config.Core.DModel, ParameterGroup.Embedding, initStd: config.Core.Block.InitStd));
    }

    /// <summary>bytes, mask: [B, T, M] → chunk vectors [B, T, d].</summary>
    public Tensor Forward(Tensor bytes, Tensor mask)
    {
        using var scope = TorchScope.Begin();
        var (b, t, m) = (bytes.Size(0), bytes.Size(1), bytes.Size(2));
        var x = EmbedBytes.Forward(bytes.Reshape(b * t, m));              // [B·T, M, e]
        x = Layers.Forward(x);                                            // [B·T, M, e], each chunk on its own
        var weights = mask.Reshape(b * t, m, 1).To(x.DType);              // [B·T, M, 1], 1 on real bytes
        var pooled = (x * weights).Sum(1) / weights.Sum(1).Clamp(min: 1); // [B·T, e], masked mean
        return scope.Keep(ToCore.Forward(pooled).View(b, t, -1));         // [B, T, d]
    }
}
