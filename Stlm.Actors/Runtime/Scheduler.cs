using System.Collections.Concurrent;

namespace Stlm.Actors.Runtime;

/// <summary>A scheduled job that can be cancelled (Akka's ICancelable).</summary>
public interface ICancelable
{
    bool IsCancellationRequested { get; }
    void Cancel();
}

/// <summary>Sends messages later or repeatedly (Akka's IScheduler's Tell part).</summary>
public interface IScheduler
{
    ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender);
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender);
    ICancelable ScheduleOnce(TimeSpan delay, Action action);
}

/// <summary>
/// A scheduler on System.Threading.Timer (the runtime's timer queue: no thread per job).
/// Cancelling all jobs when the system terminates keeps late ticks out of dead letters.
/// </summary>
internal sealed class TimerQueueScheduler : IScheduler, IDisposable
{
    readonly ConcurrentDictionary<ScheduledJob, byte> _jobs = new();
    volatile bool _disposed;

    public ICancelable ScheduleTellOnce(TimeSpan delay, IActorRef receiver, object message, IActorRef? sender) =>
        Start(delay, Timeout.InfiniteTimeSpan, () => receiver.Tell(message, sender));

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, IActorRef receiver, object message, IActorRef? sender)
    {
        if (interval <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "a repeating interval must be positive");
        return Start(initialDelay, interval, () => receiver.Tell(message, sender));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action) => Start(delay, Timeout.InfiniteTimeSpan, action);

    ScheduledJob Start(TimeSpan delay, TimeSpan interval, Action action)
    {
        var job = new ScheduledJob(this, action, repeating: interval != Timeout.InfiniteTimeSpan);
        if (_disposed)
        {
            job.Cancel();
            return job;
        }
        _jobs[job] = 0;
        job.Start(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, interval);
        return job;
    }

    internal void Forget(ScheduledJob job) => _jobs.TryRemove(job, out _);

    public void Dispose()
    {
        _disposed = true;
        foreach (var job in _jobs.Keys)
            job.Cancel();
    }

    internal sealed class ScheduledJob(TimerQueueScheduler owner, Action action, bool repeating) : ICancelable
    {
        Timer? _timer;
        volatile bool _cancelled;

        public bool IsCancellationRequested => _cancelled;

        public void Start(TimeSpan delay, TimeSpan interval)
        {
            lock (this)
                if (!_cancelled)
                    _timer = new Timer(_ => Fire(), null, delay, interval);
        }

        void Fire()
        {
            if (_cancelled)
                return;
            if (!repeating)
                Cancel();
            action();
        }

        public void Cancel()
        {
            lock (this)
            {
                _cancelled = true;
                _timer?.Dispose();
                _timer = null;
            }
            owner.Forget(this);
        }
    }
}
