namespace Stlm.Model.Architectures;

/// <summary>
/// The early-exit loss weights at a training step — what the early-exit scheduler calls and sets
/// on <see cref="LayerSkipLm.ExitLossWeights"/>. LayerSkip's rule: an enabled layer l below the
/// last weighs e_scale · Σ_{i=0}^{l} i (deeper layers more; layer 0 never), the last layer 1, and
/// the weights are normalised to sum to 1.
/// </summary>
public static class ExitCurriculum
{
    public static double[] Weights(ExitCurriculumKind kind, int layers, long step, int period, double scale)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be ≥ 0");
        var weights = new double[layers];
        weights[layers - 1] = 1;
        for (var l = 0; l < layers - 1; l++)
        {
            var enabled = kind switch
            {
                ExitCurriculumKind.None => false,
                ExitCurriculumKind.All => true,
                ExitCurriculumKind.Rotational => ((l - step) % period + period) % period == 0,
                ExitCurriculumKind.Gradual => step >= (long)(layers - 1 - l) * period,
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown exit curriculum"),
            };
            if (enabled) weights[l] = scale * l * (l + 1) / 2.0;
        }
        var total = weights.Sum();
        for (var l = 0; l < layers; l++) weights[l] /= total;
        return weights;
    }

    public static double[] Weights(ModelConfig config, long step) =>
        Weights(config.EarlyExit.Curriculum, config.NLayers, step, config.EarlyExit.CurriculumPeriod, config.EarlyExit.ExitLossScale);
}
