using System.Diagnostics;

namespace Stlm.Host.Bench;

/// <summary>
/// When each step of a run finished, as seen by its driver (the bare loop's callback, the
/// session's observer), and the tokens/s over the steps after a warm-up: tokens of steps
/// w+1..N over the time from step w's end to step N's — so setup, the first steps' allocations
/// and the end (final checkpoint, evaluation) are outside the window on both sides alike.
/// </summary>
public sealed class StepClock
{
    readonly Lock _gate = new();
    readonly List<(long Step, long Timestamp, long Tokens, double ComputeMs)> _steps = [];

    /// <param name="computeMs">The step's own time inside TrainStep.Run, to tell compute from what lies between steps.</param>
    public void Record(long step, long tokens, double computeMs)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate) _steps.Add((step, now, tokens, computeMs));
    }

    /// <summary>The median time of the steps after the warm-up inside TrainStep.Run.</summary>
    public double MedianComputeMs(int warmup)
    {
        lock (_gate) return TrainBenchmark.Median(_steps.Skip(warmup).Select(s => s.ComputeMs));
    }

    public int Count { get { lock (_gate) return _steps.Count; } }

    /// <summary>When the latest recorded step ended, as a Stopwatch timestamp.</summary>
    public long? LastTimestamp { get { lock (_gate) return _steps.Count > 0 ? _steps[^1].Timestamp : null; } }

    public double TokensPerSecond(int warmup)
    {
        lock (_gate)
        {
            if (_steps.Count <= warmup || warmup < 1)
                throw new InvalidOperationException($"{_steps.Count} steps recorded, a window after {warmup} warm-up steps needs more");
            var start = _steps[warmup - 1].Timestamp;
            var window = _steps.Skip(warmup).ToList();
            var seconds = Stopwatch.GetElapsedTime(start, window[^1].Timestamp).TotalSeconds;
            return window.Sum(s => s.Tokens) / seconds;
        }
    }
}
