namespace Stlm.Model.Eval;

/// <summary>
/// Which windows share a forward pass. By default only windows of the same length, so no row is
/// padded and each row's attention, softmax and norms reduce over exactly what they reduce over
/// alone; what remains is the matrix products' rounding, as the BLAS picks kernels by the number
/// of rows (≈1e-8 relative on a summed log-probability, see BatchedScoringTests). Sliding
/// windows over a text are all one length but the first few and the last. Multiple-choice
/// requests spread over many lengths, so a model whose outputs at a position never depend on
/// later positions may pad: with <c>padding</c> &gt; 0 a batch takes windows down to
/// (1 − padding) of its longest, right-padded (at most that share of its work is padding; the
/// padded positions only change the length of the attention rows' reductions, ≈1e-7 relative).
/// A batch holds at most <c>rows</c> windows and at most <see cref="OutputBudget"/> logits.
/// </summary>
public static class WindowBatches
{
    public const int DefaultRows = 32;

    /// <summary>The share of a batch's length a shorter window may be padded by, for models that allow padding.</summary>
    public const double DefaultPadding = 0.125;

    /// <summary>Logits per forward pass at most (2²⁶ floats: 256 MiB; a 50k-vocabulary model at 1,024 tokens gets one row).</summary>
    public const long OutputBudget = 1L << 26;

    /// <summary>Batches of window indices, longest windows first; windows of equal length keep their order.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Plan(IReadOnlyList<int> lengths, int rows, long outputsPerUnit, double padding = 0)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "a batch holds at least one window");
        if (padding is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(padding), padding, "padding is a share of a batch's length, in [0, 1)");
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        var batches = new List<IReadOnlyList<int>>();
        for (var at = 0; at < order.Length;)
        {
            var longest = lengths[order[at]];
            var fit = (int)Math.Clamp(OutputBudget / Math.Max(1, longest * outputsPerUnit), 1, rows);
            var shortest = padding == 0 ? longest : (int)Math.Ceiling(longest * (1 - padding));
            var batch = new List<int>(fit);
            while (at < order.Length && batch.Count < fit && lengths[order[at]] >= shortest) batch.Add(order[at++]);
            batches.Add(batch);
        }
        return batches;
    }
}
