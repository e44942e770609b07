namespace Stlm.Model.Architectures;

/// <summary>LayerSkip's per-layer dropout rates: max rate × curve(depth) × the scheduler's scale.</summary>
public static class LayerDropoutRates
{
    public static double[] Of(int layers, double maxRate, LayerDropoutCurve curve, double scale = 1.0)
    {
        if (scale < 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "layer-dropout scale must be ≥ 0");
        var rates = new double[layers];
        for (var l = 0; l < layers; l++)
        {
            var depth = layers == 1 ? 1.0 : (double)l / (layers - 1);   // 0 at the first layer, 1 at the last
            var shape = curve switch
            {
                LayerDropoutCurve.Constant => 1.0,
                LayerDropoutCurve.Linear => depth,
                LayerDropoutCurve.Exponential => Math.Pow(2, depth) - 1,
                _ => throw new ArgumentOutOfRangeException(nameof(curve), curve, "unknown layer-dropout curve"),
            };
            // A rate of 1 would drop a layer for every sample; cap just below, as dropout does.
            rates[l] = Math.Min(maxRate * shape * scale, 0.999);
        }
        return rates;
    }
}
