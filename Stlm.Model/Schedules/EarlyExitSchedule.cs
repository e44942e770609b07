namespace Stlm.Model.Schedules;

/// <summary>How layer dropout grows with depth: D(l) over layers l = 0 … L−1, from 0 to 1.</summary>
public enum LayerDropoutShape { Exponential, Linear }

/// <summary>How layer dropout grows over training: S(t) over steps t = 0 … T−1, from 0 to 1 (or always 1).</summary>
public enum LayerDropoutRamp { Constant, Linear, Exponential }

/// <summary>Which layers' exit losses are on at a step.</summary>
public enum ExitCurriculum { None, Rotational, Gradual }

/// <summary>
/// LayerSkip (Elhoushi et al. 2024) as pure functions of the step t, for L layers and T steps.
/// <code>
///   layer dropout   p(l,t) = S(t)·D(l)·p_max
///     D(l) = 2^(l/(L−1)) − 1 (exponential) or l/(L−1) (linear);  D = 0 when L = 1
///     S(t) = 1 (constant), t/(T−1) (linear) or 2^(t/(T−1)) − 1 (exponential), 1 for t ≥ T−1
///   exit loss       w(l,t) = C(t,l)·e(l) / Σᵢ C(t,i)·e(i)
///     e(l)   = e_scale·Σ_{i=0..l} i            for l &lt; L−1   (deeper layers weigh more)
///     e(L−1) = (L−1) + e_scale·Σ_{i=0..L−2} i  (the final loss; alone when e_scale = 0)
///     C(t,l) = 1 for the last layer; otherwise
///       none:        1
///       rotational:  l mod R = t mod R        (every R-th layer, rotating each step)
///       gradual:     l ≥ L−1−⌊t·(L−1)/T_c⌋    (enabled from the last layer to the first; all by t = T_c)
/// </code>
/// </summary>
public sealed record EarlyExitSchedule(
    int NLayers = 10,
    long Steps = 25000,
    double MaxLayerDropout = 0.0,
    LayerDropoutShape LayerDropoutShape = LayerDropoutShape.Exponential,
    LayerDropoutRamp LayerDropoutRamp = LayerDropoutRamp.Constant,
    double LossScale = 0.0,
    ExitCurriculum Curriculum = ExitCurriculum.None,
    int RotationInterval = 2,
    long CurriculumSteps = 12500,
    double ConfidenceThreshold = 0.9)
{
    public const string Section = "schedules.early-exit";

    public EarlyExitPolicy At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var ramp = Ramp(step);
        var dropout = new double[NLayers];
        for (var l = 0; l < NLayers; l++) dropout[l] = ramp * Depth(l) * MaxLayerDropout;
        return new EarlyExitPolicy(dropout, ExitWeights(step));
    }

    double Depth(int layer)
    {
        if (NLayers == 1) return 0;
        var x = (double)layer / (NLayers - 1);
        return LayerDropoutShape == LayerDropoutShape.Exponential ? Math.Pow(2, x) - 1 : x;
    }

    double Ramp(long step)
    {
        if (LayerDropoutRamp == LayerDropoutRamp.Constant || step >= Steps - 1) return 1;
        var x = (double)step / (Steps - 1);
        return LayerDropoutRamp == LayerDropoutRamp.Exponential ? Math.Pow(2, x) - 1 : x;
    }

    double[] ExitWeights(long step)
    {
        var last = NLayers - 1;
        var weights = new double[NLayers];
        for (var l = 0; l < NLayers; l++)
        {
            if (l < last && !Enabled(l, step)) continue;
            weights[l] = l < last ? LossScale * Triangular(l) : last + LossScale * Triangular(last - 1);
        }
        var total = weights.Sum();
        if (total == 0) { weights[last] = 1; return weights; }   // one layer: only the final loss
        for (var l = 0; l < NLayers; l++) weights[l] /= total;
        return weights;
    }

    bool Enabled(int layer, long step) => Curriculum switch
    {
        ExitCurriculum.None => true,
        ExitCurriculum.Rotational => layer % RotationInterval == step % RotationInterval,
        ExitCurriculum.Gradual => step >= CurriculumSteps || layer >= NLayers - 1 - step * (NLayers - 1) / CurriculumSteps,
        _ => throw new InvalidOperationException($"unknown curriculum {Curriculum}"),
    };

    /// <summary>Σ_{i=0..n} i.</summary>
    static double Triangular(int n) => n < 0 ? 0 : n * (n + 1) / 2.0;

    public void Validate()
    {
        Check.AtLeast(Section, "n-layers", NLayers, 1);
        Check.AtLeast(Section, "steps", Steps, 1);
        Check.Probability(Section, "max-layer-dropout", MaxLayerDropout);
        Check.AtLeast(Section, "loss-scale", LossScale, 0);
        Check.AtLeast(Section, "rotation-interval", RotationInterval, 1);
        Check.AtLeast(Section, "curriculum-steps", CurriculumSteps, 1);
        if (!(ConfidenceThreshold > 0 && ConfidenceThreshold <= 1))
            throw Check.Error(Section, "confidence-threshold", ConfidenceThreshold, "must be in (0, 1]: a max softmax probability");
    }
}
