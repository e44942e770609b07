namespace Stlm.Actors.Runtime;

/// <summary>The ref of an actor in this process: a Tell is one enqueue into its mailbox.</summary>
internal sealed class LocalActorRef(ActorCell cell, ActorPath path) : IActorRef
{
    internal ActorCell Cell { get; } = cell;
    public ActorPath Path { get; } = path;

    public void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(new Envelope(message, sender));
    }

    public override string ToString() => $"Actor[{Path}]";
}
