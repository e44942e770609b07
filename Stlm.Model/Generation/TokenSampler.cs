namespace Stlm.Model.Generation;

/// <summary>
/// Picks a token from one row of logits, on the host: temperature, then top-k, then top-p
/// (the smallest set of most likely tokens whose probability reaches p), then a draw from a
/// seeded generator of our own (SplitMix64), so the same seed gives the same text anywhere.
/// </summary>
public sealed class TokenSampler
{
    readonly SamplingOptions options;
    ulong state;

    public TokenSampler(SamplingOptions options)
    {
        options.Validate();
        this.options = options;
        state = options.Seed;
    }

    public int Next(ReadOnlySpan<float> logits)
    {
        if (options.Temperature == 0) return ArgMax(logits);

        // Candidates by descending logit; ties keep the lower id first, so order is deterministic.
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var keys = logits.ToArray();
        Array.Sort(order, (a, b) => keys[b] != keys[a] ? keys[b].CompareTo(keys[a]) : a.CompareTo(b));
        var kept = options.TopK > 0 ? Math.Min(options.TopK, order.Length) : order.Length;

        // Softmax over the kept candidates at the temperature (max subtracted for stability).
        var probabilities = new double[kept];
        var max = keys[order[0]] / options.Temperature;
        double total = 0;
        for (var i = 0; i < kept; i++) total += probabilities[i] = Math.Exp(keys[order[i]] / options.Temperature - max);
        for (var i = 0; i < kept; i++) probabilities[i] /= total;

        if (options.TopP < 1)
        {
            double cumulative = 0;
            for (var i = 0; i < kept; i++)
            {
                cumulative += probabilities[i];
                if (cumulative >= options.TopP) { kept = i + 1; break; }
            }
        }

        var draw = Uniform() * probabilities.Take(kept).Sum();
        for (var i = 0; i < kept; i++)
        {
            draw -= probabilities[i];
            if (draw < 0) return order[i];
        }
        return order[kept - 1];
    }

    static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>SplitMix64 mapped to [0, 1).</summary>
    double Uniform()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
