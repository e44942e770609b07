namespace Stlm.Actors.Runtime;

/// <summary>A message and its sender in a mailbox. A struct, so enqueueing allocates nothing.</summary>
public readonly record struct Envelope(object Message, IActorRef? Sender);
