namespace Stlm.Actors.Runtime;

/// <summary>
/// Messages between the runtime's cells about lifecycle and supervision. They jump ahead of
/// user messages and are handled even while the actor is suspended after a failure.
/// </summary>
internal abstract record SystemMessage;

internal sealed record CreateActor : SystemMessage
{
    public static readonly CreateActor Instance = new();
}

internal sealed record TerminateActor : SystemMessage
{
    public static readonly TerminateActor Instance = new();
}

internal sealed record ResumeActor : SystemMessage
{
    public static readonly ResumeActor Instance = new();
}

internal sealed record RecreateActor(Exception Cause) : SystemMessage;

/// <summary>A child tells its parent it failed; Escalated when it only passes on its own child's failure.</summary>
internal sealed record ChildFailed(LocalActorRef Child, Exception Cause, bool Escalated) : SystemMessage;

internal sealed record ChildTerminated(LocalActorRef Child) : SystemMessage;

internal sealed record WatchActor(IActorRef Watcher) : SystemMessage;

internal sealed record UnwatchActor(IActorRef Watcher) : SystemMessage;

internal sealed record DeathWatchNotification(IActorRef Actor) : SystemMessage;
