using System.Diagnostics.CodeAnalysis;

namespace Stlm.Model.Architectures;

/// <summary>
/// The `model.mixture-of-depths { … }` section (Raposo et al. 2024): in every
/// <see cref="RouteEvery"/>-th block only the <see cref="Capacity"/> fraction of a sequence's
/// tokens with the highest router scores is processed; the others skip the block through the
/// residual stream.
/// </summary>
public record MixtureOfDepthsOptions
{
    /// <summary>Fraction of tokens a routed block processes, in (0, 1]; 1 = every token (the plain stack).</summary>
    public double Capacity { get; init; } = 0.125;
    /// <summary>Blocks l with (l + 1) mod RouteEvery = 0 are routed (2 = every other block, as the paper; 1 = all).</summary>
    public int RouteEvery { get; init; } = 2;
    /// <summary>Weight of the auxiliary loss that teaches each router score to predict top-k membership on its own (the causal inference rule).</summary>
    public double AuxLossWeight { get; init; } = 0.01;
}

/// <summary>The baseline token model with mixture-of-depths routing: the section's options over the baseline's <see cref="Stack"/>.</summary>
public sealed record MixtureOfDepthsConfig : MixtureOfDepthsOptions
{
    public MixtureOfDepthsConfig() { }

    [SetsRequiredMembers]
    public MixtureOfDepthsConfig(TokenStackConfig stack, MixtureOfDepthsOptions options) : base(options) => Stack = stack;

    public required TokenStackConfig Stack { get; init; }

    public bool IsRouted(int layer) => (layer + 1) % RouteEvery == 0;
    public void Validate()
    {
        Stack.Validate();
        if (Capacity is <= 0 or > 1) throw new StlmException($"model.mixture-of-depths: capacity {Capacity} must be in (0, 1]");
        if (RouteEvery <= 0) throw new StlmException($"model.mixture-of-depths: route-every must be positive, got {RouteEvery}");
        if (AuxLossWeight < 0) throw new StlmException($"model.mixture-of-depths: aux-loss-weight must be ≥ 0, got {AuxLossWeight}");
    }
}
