using System.Diagnostics.CodeAnalysis;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.byte-pooling { … }` section: bytes embedded at <see cref="ByteDim"/>, a
/// <see cref="PoolingLayers"/>-layer transformer per chunk pooled to one vector (masked mean),
/// and a <see cref="DecoderLayers"/>-layer causal byte decoder for the next chunk's bytes.
/// </summary>
public record BytePoolingOptions
{
    public int ByteDim { get; init; } = 64;
    public int ByteHeads { get; init; } = 4;
    /// <summary>SwiGLU inner size of the byte encoder's and decoder's blocks.</summary>
    public int ByteFfnHidden { get; init; } = 192;
    public int PoolingLayers { get; init; } = 2;
    public int DecoderLayers { get; init; } = 2;
    /// <summary>Bytes per chunk; a longer BPE token is split into several chunks (no byte is dropped).</summary>
    public int MaxTokenBytes { get; init; } = 16;
}

/// <summary>The byte-level model with BPE-boundary pooling: the section's options over a <see cref="Core"/>.</summary>
public sealed record BytePooledConfig : BytePoolingOptions
{
    public BytePooledConfig() { }

    [SetsRequiredMembers]
    public BytePooledConfig(CoreStackConfig core, BytePoolingOptions options) : base(options) => Core = core;

    /// <summary>The token-level core (the baseline's stack); its context is counted in chunks.</summary>
    public required CoreStackConfig Core { get; init; }

    /// <summary>The blocks of the byte encoder and decoder (same norm, dropout and init as the core).</summary>
    public BlockConfig ByteBlock => new(ByteDim, ByteHeads, ByteHeads, ByteFfnHidden, FfnActivation.Swiglu,
        Core.Block.NormEps, Core.Block.Dropout, Core.Block.InitStd);

    public void Validate()
    {
        Core.Validate("model");
        ByteBlock.Validate();
        if (PoolingLayers <= 0 || DecoderLayers <= 0)
            throw new StlmException($"model.byte-pooling: pooling-layers ({PoolingLayers}) and decoder-layers ({DecoderLayers}) must be positive");
        if (MaxTokenBytes <= 0)
            throw new StlmException($"model.byte-pooling: max-token-bytes must be positive, got {MaxTokenBytes}");
    }
}
