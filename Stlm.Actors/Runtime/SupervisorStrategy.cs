namespace Stlm.Actors.Runtime;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the actor and its state; drop the failing message.</summary>
    Resume,
    /// <summary>Replace the actor instance by a fresh one (state lost, mailbox kept).</summary>
    Restart,
    /// <summary>Stop the actor.</summary>
    Stop,
    /// <summary>Fail the supervisor itself with the same exception.</summary>
    Escalate,
}

/// <summary>
/// How a parent treats failing children (Akka's SupervisorStrategy). Restarts are limited to
/// <see cref="MaxNrOfRetries"/> within <see cref="WithinTimeRange"/>; past that the child stops.
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>Akka's default decider: initialization failures, Kill and death pacts stop; anything else restarts.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    public static SupervisorStrategy Default { get; } = new OneForOneStrategy(DefaultDecider);

    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(_ => Directive.Stop);

    /// <summary>-1 means no limit.</summary>
    public int MaxNrOfRetries { get; }

    /// <summary>Infinite means the count never resets.</summary>
    public TimeSpan WithinTimeRange { get; }

    readonly Func<Exception, Directive> _decider;

    protected SupervisorStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
    {
        MaxNrOfRetries = maxNrOfRetries;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    public Directive Decide(Exception cause) => _decider(cause);

    /// <summary>True when the restart directive applies to every child, not only the failed one.</summary>
    public abstract bool AppliesToAllChildren { get; }

    /// <summary>Counts one more restart of the child; false when that exceeds the limit.</summary>
    internal bool RequestRestartPermission(ChildRestartStats stats)
    {
        if (MaxNrOfRetries < 0)
            return true;
        if (MaxNrOfRetries == 0)
            return false;
        var now = Environment.TickCount64;
        if (WithinTimeRange != Timeout.InfiniteTimeSpan && now - stats.WindowStartMs > (long)WithinTimeRange.TotalMilliseconds)
        {
            stats.WindowStartMs = now;
            stats.RestartCount = 0;
        }
        if (stats.RestartCount == 0)
            stats.WindowStartMs = now;
        stats.RestartCount++;
        return stats.RestartCount <= MaxNrOfRetries;
    }
}

/// <summary>Applies the directive to the failed child only.</summary>
public sealed class OneForOneStrategy : SupervisorStrategy
{
    public OneForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider) { }

    public OneForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider) { }

    public override bool AppliesToAllChildren => false;
}

/// <summary>Applies a restart or stop to all children of the supervisor (for tightly coupled siblings).</summary>
public sealed class AllForOneStrategy : SupervisorStrategy
{
    public AllForOneStrategy(int maxNrOfRetries, TimeSpan withinTimeRange, Func<Exception, Directive> decider)
        : base(maxNrOfRetries, withinTimeRange, decider) { }

    public AllForOneStrategy(Func<Exception, Directive> decider) : this(-1, Timeout.InfiniteTimeSpan, decider) { }

    public override bool AppliesToAllChildren => true;
}

/// <summary>Restart bookkeeping a parent keeps per child.</summary>
internal sealed class ChildRestartStats
{
    public int RestartCount;
    public long WindowStartMs;
}
