using System.Globalization;

namespace Stlm.Host.Charts;

/// <summary>An axis: its shown range, where its ticks go and what they read.</summary>
public sealed record Axis(double Min, double Max, IReadOnlyList<double> Ticks, IReadOnlyList<string> Labels, bool Log);

/// <summary>
/// Tick positions people like to read: steps of 1, 2 or 5 times a power of ten on linear
/// axes (Heckbert's "nice numbers"), powers of ten and their 2x/5x on log axes.
/// </summary>
public static class NiceTicks
{
    /// <summary>Linear axis covering [min, max], widened to whole steps, with about <paramref name="target"/> ticks.</summary>
    public static Axis Linear(double min, double max, int target = 6)
    {
        (min, max) = Widen(min, max);
        var step = Nice((max - min) / Math.Max(1, target - 1), round: true);
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        var decimals = Math.Max(0, -(int)Math.Floor(Math.Log10(step) + 1e-9));
        var ticks = new List<double>();
        for (var i = 0; lo + i * step <= hi + step * 1e-9; i++)
            ticks.Add(Math.Round(lo + i * step, decimals + 3));
        var thousands = Math.Max(Math.Abs(lo), Math.Abs(hi)) >= 10_000 && step >= 1000;
        return new Axis(lo, hi, ticks, ticks.Select(t => Label(t, step, decimals, thousands)).ToList(), Log: false);
    }

    /// <summary>
    /// Log axis over [min, max] (both &gt; 0), kept tight to the data: a loss curve from 10.8
    /// down to 2.5 should not be squeezed into 1..100.
    /// </summary>
    public static Axis Log(double min, double max, int target = 6)
    {
        if (!(min > 0) || !(max > 0)) throw new ArgumentOutOfRangeException(nameof(min), "a log axis needs positive values");
        if (min > max) (min, max) = (max, min);
        if (max / min < 1.0001) { min /= 1.5; max *= 1.5; }
        var lo = Math.Log10(min);
        var hi = Math.Log10(max);
        var pad = (hi - lo) * 0.03;
        lo -= pad;
        hi += pad;
        var decades = hi - lo;
        double[][] mantissaSets = [[1], [1, 2, 5], [1, 1.5, 2, 3, 4, 5, 6, 8], [1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9]];
        var ticks = new List<double>();
        foreach (var set in mantissaSets.Skip(decades > 3 ? 0 : 1))
        {
            ticks = Candidates(lo, hi, set).ToList();
            if (ticks.Count >= Math.Min(3, target)) break;
        }
        if (ticks.Count > target * 2) ticks = ticks.Where(t => Math.Abs(Math.Log10(t) - Math.Round(Math.Log10(t))) < 1e-9).ToList();
        return new Axis(Math.Pow(10, lo), Math.Pow(10, hi), ticks, ticks.Select(LogLabel).ToList(), Log: true);
    }

    static IEnumerable<double> Candidates(double lo, double hi, double[] mantissas)
    {
        for (var e = (int)Math.Floor(lo); e <= (int)Math.Ceiling(hi); e++)
            foreach (var m in mantissas)
            {
                var v = m * Math.Pow(10, e);
                var l = Math.Log10(v);
                if (l >= lo - 1e-9 && l <= hi + 1e-9) yield return v;
            }
    }

    /// <summary>The nice number near x: 1, 2, 5 or 10 times a power of ten.</summary>
    public static double Nice(double x, bool round)
    {
        var exp = Math.Floor(Math.Log10(x));
        var f = x / Math.Pow(10, exp);
        double nice = round
            ? f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
            : f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * Math.Pow(10, exp);
    }

    static (double, double) Widen(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return (0, 1);
        if (min > max) (min, max) = (max, min);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            var d = Math.Abs(min) > 0 ? Math.Abs(min) * 0.1 : 1;
            return (min - d, max + d);
        }
        return (min, max);
    }

    /// <summary>"0.25", "1,500", or "0, 5k, 10k" on an axis reaching 10,000 in steps of thousands.</summary>
    static string Label(double v, double step, int decimals, bool thousands)
    {
        if (thousands && v != 0)
        {
            var k = Math.Max(0, -(int)Math.Floor(Math.Log10(step / 1000) + 1e-9));
            return (v / 1000).ToString("N" + k, CultureInfo.InvariantCulture) + "k";
        }
        return v.ToString("N" + decimals, CultureInfo.InvariantCulture);
    }

    static string LogLabel(double v) =>
        v >= 1e5 || v < 1e-3 ? v.ToString("0.#e0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);
}
