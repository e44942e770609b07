namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.megabyte { … }` section (MEGABYTE, Yu et al. 2023): bytes in fixed patches of
/// <see cref="PatchSize"/>, and the local model's depth and width. The model section's own stack
/// is the global model over patches (its context-length counts patches).
/// </summary>
public sealed record MegabyteConfig
{
    public int PatchSize { get; init; } = 8;
    public int LocalLayers { get; init; } = 2;
    public int LocalDModel { get; init; } = 128;
    public int LocalNHeads { get; init; } = 4;
    public int LocalFfnHidden { get; init; } = 384;

    /// <summary>The local model over the bytes of one patch: the global model's norm, dropout and init.</summary>
    public ModelConfig LocalStack(ModelConfig model) => model.SmallStack(LocalLayers, LocalDModel, LocalNHeads, LocalFfnHidden, PatchSize);

    public void Validate(ModelConfig model)
    {
        if (PatchSize <= 0) throw new StlmException($"model.megabyte: patch-size must be positive, got {PatchSize}");
        if (LocalLayers <= 0) throw new StlmException($"model.megabyte: local-layers must be positive, got {LocalLayers}");
        LocalStack(model).ValidateStack("model.megabyte", "local-d-model", "local-n-heads");
        if (model.DModel % PatchSize != 0)
            throw new StlmException($"model.megabyte: d-model {model.DModel} is not divisible by patch-size {PatchSize}; a patch embedding is patch-size byte embeddings side by side");
    }
}
