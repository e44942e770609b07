using System.Diagnostics;
using System.Globalization;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// When each phase of starting to train ended, measured from one instant (the process start for
/// `stlm resume`, the call for an in-process start): lease, journal recovery, corpus, models,
/// checkpoint load, first batch, first step. Only a phase's first mark counts, so marks on paths
/// taken again (a rollback reloads the checkpoint) do not move it. Thread-safe: the trainer marks
/// on its own thread.
/// <code>
/// var timeline = StartupTimeline.FromProcessStart();
/// var options = new TrainingSessionOptions(stores) { Timeline = timeline };
/// … timeline.Describe()   // "runtime 140 ms, lease 12 ms, …, first step 310 ms (total 1480 ms)"
/// </code>
/// </summary>
public sealed class StartupTimeline
{
    readonly long _start;
    readonly Lock _gate = new();
    readonly List<(string Phase, double EndMs)> _marks = [];

    public StartupTimeline(long startTimestamp) => _start = startTimestamp;

    /// <summary>From now.</summary>
    public static StartupTimeline StartingNow() => new(Stopwatch.GetTimestamp());

    /// <summary>From this process's start (as the kernel records it), with the time until now marked as "runtime".</summary>
    public static StartupTimeline FromProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        var since = DateTime.Now - self.StartTime;
        var timeline = new StartupTimeline(Stopwatch.GetTimestamp() - (long)(since.TotalSeconds * Stopwatch.Frequency));
        timeline.Mark("runtime");
        return timeline;
    }

    public void Mark(string phase)
    {
        var now = Stopwatch.GetElapsedTime(_start).TotalMilliseconds;
        lock (_gate)
            if (!_marks.Exists(m => m.Phase == phase)) _marks.Add((phase, now));
    }

    public bool Has(string phase)
    {
        lock (_gate) return _marks.Exists(m => m.Phase == phase);
    }

    /// <summary>Each phase with its own duration (from the previous mark), in the order they ended.</summary>
    public IReadOnlyList<(string Phase, double Ms)> Phases
    {
        get
        {
            lock (_gate)
            {
                var sorted = _marks.OrderBy(m => m.EndMs).ToList();
                return [.. sorted.Select((m, i) => (m.Phase, m.EndMs - (i == 0 ? 0 : sorted[i - 1].EndMs)))];
            }
        }
    }

    public double TotalMs
    {
        get { lock (_gate) return _marks.Count == 0 ? 0 : _marks.Max(m => m.EndMs); }
    }

    public string Describe() =>
        string.Join(", ", Phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} {p.Ms:F0} ms")))
        + string.Create(CultureInfo.InvariantCulture, $" (total {TotalMs:F0} ms)");
}
