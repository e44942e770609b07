namespace Stlm.Model.Eval;

/// <summary>
/// A batch's windows share a length but not their first target, so a scorer computes the
/// log-probabilities of positions from the batch's earliest first target on and each window
/// keeps its own tail. Every position is computed on its own row, so the extra positions of
/// another row change nothing in this one.
/// </summary>
public static class WindowTails
{
    /// <summary>The earliest first target of a batch.</summary>
    public static int EarliestTarget<TUnit>(IReadOnlyList<ScoringWindow<TUnit>> windows) => windows.Min(w => w.From);

    /// <summary>Row k's log-probabilities for its targets, from <paramref name="flat"/>: [rows, L − earliest] in row-major order.</summary>
    public static double[][] Split<TUnit>(double[] flat, IReadOnlyList<ScoringWindow<TUnit>> windows, int earliest)
    {
        var width = windows[0].Length - earliest;
        var tails = new double[windows.Count][];
        for (var k = 0; k < windows.Count; k++)
            tails[k] = flat.AsSpan(k * width + windows[k].From - earliest, windows[k].Targets).ToArray();
        return tails;
    }
}
