namespace Stlm.Actors.Runtime;

/// <summary>Messages the runtime handles itself before the actor's Receive sees them.</summary>
internal interface IAutoReceived;

/// <summary>Stops the actor once the messages before it are processed.</summary>
public sealed class PoisonPill : IAutoReceived
{
    public static readonly PoisonPill Instance = new();
    PoisonPill() { }
}

/// <summary>Makes the actor fail with <see cref="ActorKilledException"/>; the default strategy stops it.</summary>
public sealed class Kill : IAutoReceived
{
    public static readonly Kill Instance = new();
    Kill() { }
}

/// <summary>Delivered to watchers when a watched actor has stopped.</summary>
public sealed record Terminated(IActorRef ActorRef) : IAutoReceived;

/// <summary>Any actor answers with <see cref="ActorIdentity"/>; used to resolve selections.</summary>
public sealed record Identify(object? MessageId) : IAutoReceived;

public sealed record ActorIdentity(object? MessageId, IActorRef? Subject);

/// <summary>Replies that carry success or failure (Akka's Status); a Failure fails an Ask.</summary>
public static class Status
{
    public sealed record Success(object? Value);
    public sealed record Failure(Exception Cause);
}

/// <summary>Published on the event stream for every message that could not be delivered.</summary>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient);

/// <summary>Published on the event stream when an actor's Receive did not handle a message.</summary>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
