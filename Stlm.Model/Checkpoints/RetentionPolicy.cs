namespace Stlm.Model.Checkpoints;

/// <summary>A committed checkpoint as the retention policy sees it.</summary>
public sealed record RetainedCheckpoint(long Step, DateTimeOffset CreatedUtc, double? Metric = null, bool IsForkPoint = false);

/// <summary>
/// Which checkpoints to keep: the last <see cref="KeepLast"/>, every one whose step is a
/// multiple of <see cref="EveryKSteps"/>, the <see cref="KeepBest"/> best by the eval metric
/// (lower is better unless <see cref="HigherIsBetter"/>), and every fork point when
/// <see cref="KeepForkPoints"/>. The newest checkpoint is always kept: it is where a resume starts.
/// </summary>
public sealed record RetentionPolicy(int KeepLast = 3, long EveryKSteps = 0, int KeepBest = 0, bool HigherIsBetter = false, bool KeepForkPoints = true)
{
    /// <summary>Keeps everything.</summary>
    public static readonly RetentionPolicy KeepAll = new(KeepLast: int.MaxValue);

    /// <summary>The steps to delete, in increasing order. A pure function of its inputs.</summary>
    public IReadOnlyList<long> ToDelete(IEnumerable<RetainedCheckpoint> checkpoints)
    {
        if (KeepLast < 0 || KeepBest < 0 || EveryKSteps < 0)
            throw new StlmException($"checkpoint retention: keep-last ({KeepLast}), keep-best ({KeepBest}) and every-k-steps ({EveryKSteps}) must be >= 0");
        var all = checkpoints.OrderBy(c => c.Step).ToList();
        if (all.Count == 0) return [];
        var keep = new HashSet<long> { all[^1].Step };
        foreach (var c in all.TakeLast(Math.Min(KeepLast, all.Count))) keep.Add(c.Step);
        if (EveryKSteps > 0)
            foreach (var c in all.Where(c => c.Step % EveryKSteps == 0)) keep.Add(c.Step);
        if (KeepForkPoints)
            foreach (var c in all.Where(c => c.IsForkPoint)) keep.Add(c.Step);
        if (KeepBest > 0)
        {
            var measured = all.Where(c => c.Metric is { } m && !double.IsNaN(m));
            // Ties go to the earlier step, so the choice does not change as later equal ones arrive.
            var best = HigherIsBetter
                ? measured.OrderByDescending(c => c.Metric).ThenBy(c => c.Step)
                : measured.OrderBy(c => c.Metric).ThenBy(c => c.Step);
            foreach (var c in best.Take(KeepBest)) keep.Add(c.Step);
        }
        return all.Where(c => !keep.Contains(c.Step)).Select(c => c.Step).ToList();
    }
}
