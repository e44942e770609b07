using System.Diagnostics.CodeAnalysis;
using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.megabyte { … }` section (MEGABYTE, Yu et al. 2023): bytes in fixed patches of
/// <see cref="PatchSize"/>, and the local model's depth and width.
/// </summary>
public record MegabyteOptions
{
    public int PatchSize { get; init; } = 8;
    public int LocalLayers { get; init; } = 2;
    public int LocalDModel { get; init; } = 128;
    public int LocalNHeads { get; init; } = 4;
    public int LocalFfnHidden { get; init; } = 384;
}

/// <summary>
/// MEGABYTE: a <see cref="Global"/> model over patches (its context counted in patches, its
/// width split into PatchSize byte slots of Global.DModel / PatchSize each) and a local model
/// over the bytes of each patch.
/// </summary>
public sealed record MegabyteLmConfig : MegabyteOptions
{
    public MegabyteLmConfig() { }

    [SetsRequiredMembers]
    public MegabyteLmConfig(CoreStackConfig global, MegabyteOptions options) : base(options) => Global = global;

    public required CoreStackConfig Global { get; init; }

    /// <summary>The local model's blocks (norm, dropout and init as the global model's).</summary>
    public BlockConfig Local => new(LocalDModel, LocalNHeads, LocalNHeads, LocalFfnHidden, FfnActivation.Swiglu,
        Global.Block.NormEps, Global.Block.Dropout, Global.Block.InitStd);

    /// <summary>Each byte's share of a patch embedding.</summary>
    public int GlobalByteDim => Global.DModel / PatchSize;

    /// <summary>The longest byte sequence the model reads.</summary>
    public int ContextBytes => Global.ContextLength * PatchSize;

    public void Validate()
    {
        Global.Validate("model");
        Local.Validate();
        if (PatchSize <= 0) throw new StlmException($"model.megabyte: patch-size must be positive, got {PatchSize}");
        if (Global.DModel % PatchSize != 0)
            throw new StlmException($"model.megabyte: d-model {Global.DModel} is not divisible by patch-size {PatchSize}; a patch embedding is patch-size byte embeddings side by side");
        if (LocalLayers <= 0) throw new StlmException($"model.megabyte: local-layers must be positive, got {LocalLayers}");
    }
}
