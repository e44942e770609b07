namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.byte-pooling { … }` section: bytes embedded at <see cref="ByteDim"/>, a
/// <see cref="PoolingLayers"/>-layer transformer per chunk pooled to one vector (masked mean),
/// and a <see cref="DecoderLayers"/>-layer causal byte decoder for the next chunk's bytes. The
/// model section's own stack is the core over chunks (its context-length counts chunks).
/// </summary>
public sealed record BytePoolingConfig
{
    public int ByteDim { get; init; } = 64;
    public int ByteHeads { get; init; } = 4;
    /// <summary>SwiGLU inner size of the byte encoder's and decoder's blocks.</summary>
    public int ByteFfnHidden { get; init; } = 192;
    public int PoolingLayers { get; init; } = 2;
    public int DecoderLayers { get; init; } = 2;
    /// <summary>Bytes per chunk; a longer BPE token is split into several chunks (no byte is dropped).</summary>
    public int MaxTokenBytes { get; init; } = 16;

    /// <summary>A byte stack of <paramref name="layers"/> over <paramref name="length"/> positions: the core's norm, dropout and init.</summary>
    public ModelConfig ByteStack(ModelConfig model, int layers, int length) => model.SmallStack(layers, ByteDim, ByteHeads, ByteFfnHidden, length);

    public void Validate(ModelConfig model)
    {
        if (PoolingLayers <= 0 || DecoderLayers <= 0)
            throw new StlmException($"model.byte-pooling: pooling-layers ({PoolingLayers}) and decoder-layers ({DecoderLayers}) must be positive");
        if (MaxTokenBytes <= 0)
            throw new StlmException($"model.byte-pooling: max-token-bytes must be positive, got {MaxTokenBytes}");
        ByteStack(model, PoolingLayers, MaxTokenBytes).ValidateStack("model.byte-pooling", "byte-dim", "byte-heads");
    }
}
