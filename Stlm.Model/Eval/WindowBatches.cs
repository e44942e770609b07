namespace Stlm.Model.Eval;

/// <summary>
/// Which windows share a forward pass: only windows of the same length, so no row is padded and
/// each row's attention, softmax and norms reduce over exactly what they reduce over alone; what
/// remains is the matrix products' rounding, as the BLAS picks kernels by the number of rows
/// (≈1e-8 relative on a summed log-probability, see BatchedScoringTests). Sliding windows over a text are all one length but the first few and the
/// last; multiple-choice requests of a task spread over a few dozen lengths, each shared by many.
/// A batch holds at most <c>rows</c> windows and at most <see cref="OutputBudget"/> logits.
/// </summary>
public static class WindowBatches
{
    public const int DefaultRows = 32;

    /// <summary>Logits per forward pass at most (2²⁶ floats: 256 MiB; a 50k-vocabulary model at 1,024 tokens gets one row).</summary>
    public const long OutputBudget = 1L << 26;

    /// <summary>Batches of window indices: longest windows first, each batch one length, windows of a length in their order.</summary>
    public static IReadOnlyList<IReadOnlyList<int>> Plan(IReadOnlyList<int> lengths, int rows, long outputsPerUnit)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "a batch holds at least one window");
        var batches = new List<IReadOnlyList<int>>();
        foreach (var group in Enumerable.Range(0, lengths.Count).GroupBy(i => lengths[i]).OrderByDescending(g => g.Key))
        {
            var fit = (int)Math.Clamp(OutputBudget / Math.Max(1, group.Key * outputsPerUnit), 1, rows);
            batches.AddRange(group.Chunk(fit));
        }
        return batches;
    }
}
