namespace Stlm.Model.Architectures;

public enum ArchitectureKind
{
    /// <summary>The baseline modern transformer (Llama-style).</summary>
    Llama,
    /// <summary>Byte-level tokenizer with BPE-boundary pooling.</summary>
    BytePooled,
    /// <summary>MEGABYTE: fixed byte patches, global + local model.</summary>
    Megabyte,
    /// <summary>The baseline with LayerSkip: layer dropout, early-exit losses, confidence exits.</summary>
    LayerSkip,
    /// <summary>The baseline with mixture-of-depths routing.</summary>
    MixtureOfDepths,
}

public enum FfnActivation
{
    /// <summary>down(silu(gate(x)) · up(x)) — Llama's SwiGLU.</summary>
    Swiglu,
    /// <summary>down(gelu(up(x))) — GPT-2's MLP without biases.</summary>
    Gelu,
}

/// <summary>Which weights the layers share (paper §3, parameter sharing).</summary>
public enum WeightSharing
{
    /// <summary>Every layer has its own weights.</summary>
    None,
    /// <summary>One FFN for all layers (MobiLlama); attention and norms per layer.</summary>
    Ffn,
    /// <summary>One whole block — attention, FFN and norms — for all layers (ALBERT).</summary>
    FfnAttention,
    /// <summary>
    /// The first and last layers are their own; the interior layers share one attention and FFN,
    /// each with a per-layer LoRA adapter of rank lora-rank on every projection; norms per layer.
    /// </summary>
    InteriorLora,
}

/// <summary>
/// The `model { … }` section of the config (hocon/reference.conf documents each key; the host
/// binds kebab-case keys to these properties), with one record per sub-section. Defaults are the
/// paper's baseline (Table 1). It also describes the smaller Llama-style stacks inside the byte
/// models (<see cref="SmallStack"/>).
/// </summary>
public sealed record ModelConfig
{
    public ArchitectureKind Architecture { get; init; } = ArchitectureKind.Llama;
    public int NLayers { get; init; } = 10;
    public int DModel { get; init; } = 512;
    public int NHeads { get; init; } = 16;
    public int NKvHeads { get; init; } = 16;
    public int FfnHidden { get; init; } = 1536;
    public FfnActivation Activation { get; init; } = FfnActivation.Swiglu;
    public int ContextLength { get; init; } = 512;
    public int VocabSize { get; init; } = 50257;
    public double RopeTheta { get; init; } = 10000.0;
    public double NormEps { get; init; } = 1e-5;
    /// <summary>Initial dropout probability (the dropout scheduler may change it during training).</summary>
    public double Dropout { get; init; } = 0.1;
    /// <summary>Std of the Gaussian init of matrices and embeddings (Hugging Face's initializer_range).</summary>
    public double InitStd { get; init; } = 0.02;
    public bool TieEmbeddings { get; init; } = true;
    public WeightSharing WeightSharing { get; init; } = WeightSharing.None;
    public int LoraRank { get; init; } = 0;
    /// <summary>Token ids written to an export's config.json (GPT-2's &lt;|endoftext|&gt; is both).</summary>
    public int BosTokenId { get; init; } = 50256;
    public int EosTokenId { get; init; } = 50256;
    public BytePoolingConfig BytePooling { get; init; } = new();
    public MegabyteConfig Megabyte { get; init; } = new();
    public EarlyExitConfig EarlyExit { get; init; } = new();
    public MixtureOfDepthsConfig MixtureOfDepths { get; init; } = new();

    public int HeadDim => DModel / NHeads;

    /// <summary>
    /// A plain Llama-style stack of this model's norm, dropout and init at another size: the byte
    /// encoder and decoder, MEGABYTE's local model. SwiGLU, no sharing, and the default rotary
    /// base, which is what they were first trained with.
    /// </summary>
    public ModelConfig SmallStack(int layers, int dModel, int heads, int ffnHidden, int contextLength) => this with
    {
        Architecture = ArchitectureKind.Llama,
        NLayers = layers,
        DModel = dModel,
        NHeads = heads,
        NKvHeads = heads,
        FfnHidden = ffnHidden,
        Activation = FfnActivation.Swiglu,
        ContextLength = contextLength,
        RopeTheta = 10000.0,
        WeightSharing = WeightSharing.None,
        LoraRank = 0,
    };

    /// <summary>The whole section: the stack, then the sub-section of the architecture.</summary>
    public void Validate()
    {
        ValidateStack("model", "d-model", "n-heads");
        if (VocabSize <= 0) throw new StlmException($"model: vocab-size must be positive, got {VocabSize}");
        if (WeightSharing == WeightSharing.InteriorLora && LoraRank <= 0)
            throw new StlmException($"model: weight-sharing = interior-lora needs lora-rank > 0 (got {LoraRank}); set e.g. lora-rank = 8");
        if (WeightSharing != WeightSharing.InteriorLora && LoraRank != 0)
            throw new StlmException($"model: lora-rank = {LoraRank} only applies with weight-sharing = interior-lora (got {WeightSharing}); set lora-rank = 0 or change weight-sharing");
        if (WeightSharing == WeightSharing.InteriorLora && NLayers < 3)
            throw new StlmException($"model: weight-sharing = interior-lora needs at least 3 layers (a first, interior ones, a last), got n-layers = {NLayers}");
        switch (Architecture)
        {
            case ArchitectureKind.BytePooled: BytePooling.Validate(this); break;
            case ArchitectureKind.Megabyte: Megabyte.Validate(this); break;
            case ArchitectureKind.LayerSkip: EarlyExit.Validate(); break;
            case ArchitectureKind.MixtureOfDepths: MixtureOfDepths.Validate(); break;
        }
    }

    /// <summary>The shape of the blocks and the stack; <paramref name="width"/> and <paramref name="heads"/> name the keys in messages.</summary>
    internal void ValidateStack(string section, string width, string heads)
    {
        if (DModel <= 0 || NHeads <= 0 || NKvHeads <= 0 || FfnHidden <= 0)
            throw new StlmException($"{section}: {width} ({DModel}), {heads} ({NHeads}), n-kv-heads ({NKvHeads}) and ffn-hidden ({FfnHidden}) must be positive");
        if (DModel % NHeads != 0)
            throw new StlmException($"{section}: {width} {DModel} is not divisible by {heads} {NHeads}; pick {heads} dividing {width}");
        if (HeadDim % 2 != 0)
            throw new StlmException($"{section}: head size {width}/{heads} = {HeadDim} is odd; rotary embeddings need an even head size");
        if (NHeads % NKvHeads != 0)
            throw new StlmException($"{section}: n-heads {NHeads} is not a multiple of n-kv-heads {NKvHeads}; grouped-query attention needs whole groups");
        if (Dropout is < 0 or >= 1)
            throw new StlmException($"model: dropout {Dropout} must be in [0, 1)");
        if (NLayers <= 0) throw new StlmException($"{section}: n-layers must be positive, got {NLayers}");
        if (ContextLength <= 0) throw new StlmException($"{section}: context-length must be positive, got {ContextLength}");
    }
}
