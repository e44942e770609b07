namespace Stlm.Actors.Runtime;

/// <summary>
/// Where undeliverable messages go: published on the event stream as <see cref="DeadLetter"/>
/// and logged at Debug. An Ask whose recipient is dead fails at once instead of timing out.
/// </summary>
internal sealed class DeadLetterActorRef(ActorSystem system) : IActorRef
{
    public ActorPath Path { get; } = ActorPath.Root(system.Name).Child("deadLetters");

    public void Tell(object message, IActorRef? sender) => system.DeadLetter(new Envelope(message, sender), this);

    public override string ToString() => $"Actor[{Path}]";
}
