namespace Stlm.Actors.Runtime;

/// <summary>
/// The base of every actor (Akka's ActorBase). The runtime calls <see cref="Receive"/> with one
/// message at a time, so an actor's fields need no locks. Create actors with
/// <c>ActorOf(Props.Create(() => new MyActor(...)))</c>, never with <c>new</c> alone.
/// </summary>
public abstract class ActorBase
{
    internal ActorCell Cell { get; }

    protected ActorBase()
    {
        Cell = ActorCell.Constructing
               ?? throw new ActorException($"{GetType().Name} must be created through ActorOf(Props), not with new");
    }

    protected IActorContext Context => Cell;
    protected IActorRef Self => Cell.Self;

    /// <summary>The sender of the message being handled; dead letters when there is none.</summary>
    protected IActorRef Sender => Cell.Sender;

    /// <summary>Handles a message; returns false when it was not handled (then <see cref="Unhandled"/> runs).</summary>
    protected abstract bool Receive(object message);

    protected virtual void PreStart() { }

    protected virtual void PostStop() { }

    /// <summary>Runs on the failed instance before it is replaced; by default stops the children, then PostStop.</summary>
    protected virtual void PreRestart(Exception reason, object? message)
    {
        foreach (var child in Context.GetChildren())
        {
            Context.Unwatch(child);
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>Runs on the fresh instance after a restart; by default calls PreStart.</summary>
    protected virtual void PostRestart(Exception reason) => PreStart();

    /// <summary>How this actor supervises its children.</summary>
    protected virtual Runtime.SupervisorStrategy SupervisorStrategy() => Runtime.SupervisorStrategy.Default;

    /// <summary>An unhandled Terminated fails the actor (death pact); anything else is published.</summary>
    protected virtual void Unhandled(object message)
    {
        if (message is Terminated terminated)
            throw new DeathPactException(terminated.ActorRef);
        Cell.System.EventStream.Publish(new UnhandledMessage(message, Cell.CurrentSender, Self));
    }

    // Seams for bases like PersistentActor that must see messages and lifecycle first.
    internal virtual bool AroundReceive(object message) => Receive(message);
    internal void AroundUnhandled(object message) => Unhandled(message);
    internal virtual void AroundPreStart() => PreStart();
    internal virtual void AroundPostStop() => PostStop();
    internal virtual void AroundPreRestart(Exception reason, object? message) => PreRestart(reason, message);
    internal virtual void AroundPostRestart(Exception reason) => PostRestart(reason);
    internal Runtime.SupervisorStrategy CurrentSupervisorStrategy() => SupervisorStrategy();
}
