namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.mixture-of-depths { … }` section (Raposo et al. 2024): in every
/// <see cref="RouteEvery"/>-th block only the <see cref="Capacity"/> fraction of a sequence's
/// tokens with the highest router scores is processed; the others skip the block through the
/// residual stream.
/// </summary>
public sealed record MixtureOfDepthsConfig
{
    /// <summary>Fraction of tokens a routed block processes, in (0, 1]; 1 = every token (the plain stack).</summary>
    public double Capacity { get; init; } = 0.125;
    /// <summary>Blocks l with (l + 1) mod RouteEvery = 0 are routed (2 = every other block, as the paper; 1 = all).</summary>
    public int RouteEvery { get; init; } = 2;
    /// <summary>Weight of the auxiliary loss that teaches each router score to predict top-k membership on its own (the causal inference rule).</summary>
    public double AuxLossWeight { get; init; } = 0.01;

    public bool IsRouted(int layer) => (layer + 1) % RouteEvery == 0;

    public void Validate()
    {
        if (Capacity is <= 0 or > 1) throw new StlmException($"model.mixture-of-depths: capacity {Capacity} must be in (0, 1]");
        if (RouteEvery <= 0) throw new StlmException($"model.mixture-of-depths: route-every must be positive, got {RouteEvery}");
        if (AuxLossWeight < 0) throw new StlmException($"model.mixture-of-depths: aux-loss-weight must be ≥ 0, got {AuxLossWeight}");
    }
}
