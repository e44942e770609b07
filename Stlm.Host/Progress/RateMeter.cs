namespace Stlm.Host.Progress;

/// <summary>
/// Throughput over a sliding window of recent samples, so the rate and ETA follow the current
/// speed (after warm-up, after a pause) instead of the average since the start.
/// </summary>
public sealed class RateMeter(TimeSpan window)
{
    // Samples at least window/32 apart keep the list short however often work reports.
    readonly LinkedList<(TimeSpan At, long Completed)> samples = new();
    (TimeSpan At, long Completed)? latest;

    public void Add(TimeSpan at, long completed)
    {
        latest = (at, completed);
        if (samples.Last is null || at - samples.Last.Value.At >= window / 32) samples.AddLast((at, completed));
        // Keep one sample older than the window so the rate always spans the whole window.
        while (samples.First?.Next is { } second && at - second.Value.At >= window) samples.RemoveFirst();
    }

    /// <summary>Units per second, or null until two samples lie apart in time.</summary>
    public double? PerSecond
    {
        get
        {
            if (samples.First is not { } first || latest is not { } last) return null;
            var seconds = (last.At - first.Value.At).TotalSeconds;
            return seconds > 0 ? (last.Completed - first.Value.Completed) / seconds : null;
        }
    }
}
