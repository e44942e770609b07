using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

public enum ArchitectureKind
{
    /// <summary>The baseline modern transformer (Llama-style).</summary>
    Llama,
    /// <summary>Byte-level tokenizer with BPE-boundary pooling.</summary>
    BytePooled,
    /// <summary>MEGABYTE: fixed byte patches, global + local model.</summary>
    Megabyte,
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
/// binds kebab-case keys to these properties). Defaults are the paper's baseline (Table 1).
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

    /// <summary>The config of each transformer block.</summary>
    public BlockConfig Block => new(DModel, NHeads, NKvHeads, FfnHidden, Activation, NormEps, Dropout, InitStd);

    public void Validate()
    {
        Block.Validate();
        if (NLayers <= 0) throw new StlmException($"model: n-layers must be positive, got {NLayers}");
        if (VocabSize <= 0) throw new StlmException($"model: vocab-size must be positive, got {VocabSize}");
        if (ContextLength <= 0) throw new StlmException($"model: context-length must be positive, got {ContextLength}");
        if (WeightSharing == WeightSharing.InteriorLora && LoraRank <= 0)
            throw new StlmException($"model: weight-sharing = interior-lora needs lora-rank > 0 (got {LoraRank}); set e.g. lora-rank = 8");
        if (WeightSharing != WeightSharing.InteriorLora && LoraRank != 0)
            throw new StlmException($"model: lora-rank = {LoraRank} only applies with weight-sharing = interior-lora (got {WeightSharing}); set lora-rank = 0 or change weight-sharing");
        if (WeightSharing == WeightSharing.InteriorLora && NLayers < 3)
            throw new StlmException($"model: weight-sharing = interior-lora needs at least 3 layers (a first, interior ones, a last), got n-layers = {NLayers}");
    }
}

/// <summary>The `model.byte-pooling` section (architecture = byte-pooled).</summary>
public sealed record BytePoolingConfig
{
    public int ByteDim { get; init; } = 64;
    public int PoolingLayers { get; init; } = 2;
    public int DecoderLayers { get; init; } = 2;
    public int MaxTokenBytes { get; init; } = 16;
}

/// <summary>The `model.megabyte` section (architecture = megabyte).</summary>
public sealed record MegabyteConfig
{
    public int PatchSize { get; init; } = 8;
    public int LocalLayers { get; init; } = 2;
    public int LocalDModel { get; init; } = 128;
}
