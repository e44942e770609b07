using Serilog;

namespace Stlm.Actors.Runtime;

/// <summary>What an actor may do with the runtime while handling a message (Akka's IActorContext).</summary>
public interface IActorContext
{
    IActorRef Self { get; }

    /// <summary>The sender of the current message; dead letters when there is none.</summary>
    IActorRef Sender { get; }

    IActorRef Parent { get; }
    ActorSystem System { get; }
    Props Props { get; }

    /// <summary>A logger whose records carry ActorPath (and the properties set with SetLogProperty).</summary>
    ILogger Log { get; }

    /// <summary>Creates a child; names are unique among live siblings.</summary>
    IActorRef ActorOf(Props props, string? name = null);

    IReadOnlyList<IActorRef> GetChildren();
    IActorRef? Child(string name);

    /// <summary>Stops a child or this actor after the current message; stopping waits for its children.</summary>
    void Stop(IActorRef actor);

    /// <summary>Delivers <see cref="Terminated"/> when the subject stops (at once if it already has).</summary>
    IActorRef Watch(IActorRef subject);

    IActorRef Unwatch(IActorRef subject);

    /// <summary>Adds a property to this actor's log records and to those of children created later (e.g. RunId).</summary>
    void SetLogProperty(string name, object? value);

    /// <summary>Looks actors up by path: absolute (<c>/user/a</c>, <c>akka://stlm/user/a</c>) or relative (<c>child</c>, <c>../sibling</c>).</summary>
    ActorSelection ActorSelection(string path);
}
