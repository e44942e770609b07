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
    /// <summary>The baseline with LayerSkip: layer dropout, early-exit losses, confidence exits.</summary>
    LayerSkip,
    /// <summary>The baseline with mixture-of-depths routing.</summary>
    MixtureOfDepths,
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
    public BytePoolingOptions BytePooling { get; init; } = new();
    public MegabyteOptions Megabyte { get; init; } = new();
    public EarlyExitOptions EarlyExit { get; init; } = new();
    public MixtureOfDepthsOptions MixtureOfDepths { get; init; } = new();

    /// <summary>The block stack alone, as the byte-level and early-exit architectures take it.</summary>
    public CoreStackConfig Core => new(NLayers, Block, ContextLength, RopeTheta);

    /// <summary>Embedding, core and head, as LayerSkip and mixture-of-depths take them.</summary>
    public TokenStackConfig TokenStack => new(Core, VocabSize, TieEmbeddings);

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
