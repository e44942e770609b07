namespace Stlm.Actors.Runtime;

/// <summary>An actor with keyed timers (Akka's IWithTimers); the runtime sets <see cref="Timers"/>.</summary>
public interface IWithTimers
{
    ITimerScheduler Timers { get; set; }
}

/// <summary>
/// Keyed timers owned by one actor (Akka's ITimerScheduler). Starting a timer with a key in use
/// replaces it; a cancelled or replaced timer's message is never delivered, even if it was
/// already in the mailbox. All timers stop when the actor stops or restarts.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan timeout);
    void StartPeriodicTimer(object key, object message, TimeSpan interval);
    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);
    bool IsTimerActive(object key);
    void Cancel(object key);
    void CancelAll();
}

internal sealed record TimerMessage(object Key, long Generation, object Message) : IAutoReceived;

/// <summary>Touched only on the owning actor's thread, except the scheduler's Tell of the tick.</summary>
internal sealed class TimerScheduler(ActorCell owner) : ITimerScheduler
{
    readonly record struct ActiveTimer(long Generation, bool Repeating, ICancelable Job);

    readonly Dictionary<object, ActiveTimer> _timers = [];
    long _generation;

    public void StartSingleTimer(object key, object message, TimeSpan timeout) =>
        Start(key, message, timeout, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        Start(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval) =>
        Start(key, message, initialDelay, interval);

    void Start(object key, object message, TimeSpan delay, TimeSpan interval)
    {
        Cancel(key);
        var tick = new TimerMessage(key, ++_generation, message);
        var repeating = interval != Timeout.InfiniteTimeSpan;
        var job = repeating
            ? owner.System.Scheduler.ScheduleTellRepeatedly(delay, interval, owner.Self, tick, null)
            : owner.System.Scheduler.ScheduleTellOnce(delay, owner.Self, tick, null);
        _timers[key] = new ActiveTimer(tick.Generation, repeating, job);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var timer))
            timer.Job.Cancel();
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
            timer.Job.Cancel();
        _timers.Clear();
    }

    /// <summary>True when the tick belongs to a live timer; a single timer is then done.</summary>
    internal bool Accept(TimerMessage tick)
    {
        if (!_timers.TryGetValue(tick.Key, out var timer) || timer.Generation != tick.Generation)
            return false;
        if (!timer.Repeating)
            _timers.Remove(tick.Key);
        return true;
    }
}
