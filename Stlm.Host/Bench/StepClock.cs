using System.Diagnostics;

namespace Stlm.Host.Bench;

/// <summary>
/// When each step of a run finished, as seen by its driver (the bare loop's callback, the
/// session's observer), with the process's CPU time then, and the tokens/s over a window of
/// steps: tokens of steps w+1..N-t over the time from step w's end to step N-t's — so setup, the
/// first steps' allocations and the end (final checkpoint, evaluation, the last journal
/// answers) are outside the window on both sides alike. CPU milliseconds per step over the same
/// window count every thread of the process (loader, journal, actors), and, unlike wall time,
/// hardly move when other processes compete for the cores.
/// </summary>
public sealed class StepClock
{
    /// <summary>Steps left out at the end of the window (the actors' last steps overlap the run's end).</summary>
    public const int Tail = 2;

    readonly Lock _gate = new();
    readonly List<(long Step, long Timestamp, TimeSpan Cpu, long Tokens, double ComputeMs)> _steps = [];

    /// <param name="computeMs">The step's own time inside TrainStep.Run, to tell compute from what lies between steps.</param>
    public void Record(long step, long tokens, double computeMs)
    {
        var now = Stopwatch.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        lock (_gate) _steps.Add((step, now, cpu, tokens, computeMs));
    }

    public int Count { get { lock (_gate) return _steps.Count; } }

    /// <summary>When the latest recorded step ended, as a Stopwatch timestamp.</summary>
    public long? LastTimestamp { get { lock (_gate) return _steps.Count > 0 ? _steps[^1].Timestamp : null; } }

    /// <summary>The median time of the window's steps inside TrainStep.Run.</summary>
    public double MedianComputeMs(int warmup)
    {
        lock (_gate) return TrainBenchmark.Median(Window(warmup).Select(s => s.ComputeMs));
    }

    public double TokensPerSecond(int warmup)
    {
        lock (_gate)
        {
            var window = Window(warmup);
            var seconds = Stopwatch.GetElapsedTime(_steps[warmup - 1].Timestamp, window[^1].Timestamp).TotalSeconds;
            return window.Sum(s => s.Tokens) / seconds;
        }
    }

    /// <summary>The process's CPU time (all threads) per step over the window.</summary>
    public double CpuMsPerStep(int warmup)
    {
        lock (_gate)
        {
            var window = Window(warmup);
            return (window[^1].Cpu - _steps[warmup - 1].Cpu).TotalMilliseconds / window.Count;
        }
    }

    List<(long Step, long Timestamp, TimeSpan Cpu, long Tokens, double ComputeMs)> Window(int warmup)
    {
        if (warmup < 1 || _steps.Count <= warmup + Tail)
            throw new InvalidOperationException($"{_steps.Count} steps recorded, a window after {warmup} warm-up steps and before the last {Tail} needs more");
        return _steps[warmup..^Tail];
    }
}
