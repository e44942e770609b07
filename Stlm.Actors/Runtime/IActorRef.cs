namespace Stlm.Actors.Runtime;

/// <summary>
/// A handle to an actor (Akka's IActorRef). Refs are cheap to pass around, safe to use from any
/// thread, and stay valid after the actor stops: messages then go to dead letters.
/// </summary>
public interface IActorRef
{
    ActorPath Path { get; }

    /// <summary>Enqueues the message; never blocks on an unbounded mailbox.</summary>
    void Tell(object message, IActorRef? sender);
}

public static class ActorRefs
{
    /// <summary>"No sender": replies to it go to dead letters.</summary>
    public static readonly IActorRef? NoSender = null;
}

public static class ActorRefExtensions
{
    /// <summary>Tells with the current actor as sender when called inside an actor, else no sender.</summary>
    public static void Tell(this IActorRef receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.Self);

    /// <summary>Passes the message on keeping the original sender.</summary>
    public static void Forward(this IActorRef receiver, object message) =>
        receiver.Tell(message, ActorCell.Current?.CurrentSender);

    /// <summary>
    /// Tells and, when the receiver's bounded mailbox is full, awaits room instead of blocking
    /// the calling thread. On unbounded mailboxes this completes synchronously.
    /// </summary>
    public static ValueTask TellAsync(this IActorRef receiver, object message, IActorRef? sender = null, CancellationToken ct = default)
    {
        if (receiver is LocalActorRef local)
            return local.Cell.Mailbox.PostAsync(new Envelope(message, sender ?? ActorCell.Current?.Self), ct);
        receiver.Tell(message, sender ?? ActorCell.Current?.Self);
        return ValueTask.CompletedTask;
    }
}
