namespace Stlm.Model.Eval;

/// <summary>
/// A batch's windows need not share their first target (nor, padded, their length), so a scorer
/// computes the log-probabilities of positions from the batch's earliest first target to the
/// longest window's end and each window keeps its own targets. Every position is computed on
/// its own row, so the extra positions of another row change nothing in this one.
/// </summary>
public static class WindowTails
{
    /// <summary>The earliest first target of a batch.</summary>
    public static int EarliestTarget<TUnit>(IReadOnlyList<ScoringWindow<TUnit>> windows) => windows.Min(w => w.From);

    /// <summary>The batch's length: its longest window's.</summary>
    public static int Longest<TUnit>(IReadOnlyList<ScoringWindow<TUnit>> windows) => windows.Max(w => w.Length);

    /// <summary>The batch's units as int64, each row right-padded with <paramref name="pad"/> to the longest.</summary>
    public static long[] Padded<TUnit>(IReadOnlyList<ScoringWindow<TUnit>> windows, Func<TUnit, long> id, long pad)
    {
        var length = Longest(windows);
        var ids = new long[windows.Count * length];
        Array.Fill(ids, pad);
        for (var k = 0; k < windows.Count; k++)
            for (var j = 0; j < windows[k].Length; j++) ids[k * length + j] = id(windows[k].Units[j]);
        return ids;
    }

    /// <summary>Row k's log-probabilities for its targets, from <paramref name="flat"/>: [rows, longest − earliest] in row-major order.</summary>
    public static double[][] Split<TUnit>(double[] flat, IReadOnlyList<ScoringWindow<TUnit>> windows, int earliest)
    {
        var width = Longest(windows) - earliest;
        var tails = new double[windows.Count][];
        for (var k = 0; k < windows.Count; k++)
            tails[k] = flat.AsSpan(k * width + windows[k].From - earliest, windows[k].Targets).ToArray();
        return tails;
    }
}
