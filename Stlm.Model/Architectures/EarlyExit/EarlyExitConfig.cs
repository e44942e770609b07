namespace Stlm.Model.Architectures;

/// <summary>How the layer-dropout rate grows from the first layer (0) to the last (the max rate).</summary>
public enum LayerDropoutCurve
{
    /// <summary>Every layer drops with the max rate.</summary>
    Constant,
    /// <summary>rate_l = max · l / (L - 1).</summary>
    Linear,
    /// <summary>rate_l = max · (2^(l / (L - 1)) - 1), LayerSkip's choice: shallow layers almost never drop.</summary>
    Exponential,
}

/// <summary>Which layers get an early-exit loss at a step (LayerSkip §4.2); the last layer always does.</summary>
public enum ExitCurriculumKind
{
    /// <summary>Only the last layer: plain training.</summary>
    None,
    /// <summary>Every layer at every step.</summary>
    All,
    /// <summary>Layer l at steps where (l - step) mod period = 0: a rotating subset.</summary>
    Rotational,
    /// <summary>Layers switch on from the last to the first, one more every period steps.</summary>
    Gradual,
}

/// <summary>
/// The `model.early-exit { … }` section, LayerSkip (Elhoushi et al. 2024): layer dropout rising
/// with depth, an early-exit loss through the final norm and the shared head with a curriculum,
/// and generation that stops at the first layer confident enough.
/// </summary>
public sealed record EarlyExitConfig
{
    /// <summary>The last layer's layer-dropout rate (before the scheduler's scale).</summary>
    public double MaxLayerDropout { get; init; } = 0.1;
    public LayerDropoutCurve LayerDropoutCurve { get; init; } = LayerDropoutCurve.Exponential;
    public ExitCurriculumKind Curriculum { get; init; } = ExitCurriculumKind.Rotational;
    public int CurriculumPeriod { get; init; } = 2;
    /// <summary>e_scale: how much early exits weigh against the last layer's loss (1 before normalising).</summary>
    public double ExitLossScale { get; init; } = 1.0;
    /// <summary>Generation exits at the first layer whose top probability reaches this (1 = never early).</summary>
    public double ConfidenceThreshold { get; init; } = 0.9;

    public void Validate()
    {
        if (MaxLayerDropout is < 0 or >= 1)
            throw new StlmException($"model.early-exit: max-layer-dropout {MaxLayerDropout} must be in [0, 1)");
        if (CurriculumPeriod <= 0) throw new StlmException($"model.early-exit: curriculum-period must be positive, got {CurriculumPeriod}");
        if (ExitLossScale < 0) throw new StlmException($"model.early-exit: exit-loss-scale must be ≥ 0, got {ExitLossScale}");
        if (ConfidenceThreshold is <= 0 or > 1)
            throw new StlmException($"model.early-exit: confidence-threshold {ConfidenceThreshold} must be in (0, 1]");
    }
}
