namespace Stlm.Actors.Runtime;

public class ActorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An Ask got no answer in time, or its recipient was already dead.</summary>
public sealed class AskTimeoutException(string message) : ActorException(message);

/// <summary>Thrown inside an actor that received <see cref="Kill"/>; the default strategy stops it.</summary>
public sealed class ActorKilledException(string message) : ActorException(message);

/// <summary>The constructor, PreStart or PostRestart threw; the default strategy stops the actor.</summary>
public sealed class ActorInitializationException(IActorRef actor, Exception cause)
    : ActorException($"actor {actor.Path} failed to start: {cause.Message}", cause)
{
    public IActorRef Actor { get; } = actor;
}

/// <summary>A watched actor terminated and the watcher did not handle <see cref="Terminated"/>.</summary>
public sealed class DeathPactException(IActorRef dead)
    : ActorException($"watched actor {dead.Path} terminated and the watcher did not handle Terminated")
{
    public IActorRef DeadActor { get; } = dead;
}

public sealed class InvalidActorNameException(string message) : ActorException(message);

public sealed class ActorNotFoundException(string message) : ActorException(message);
