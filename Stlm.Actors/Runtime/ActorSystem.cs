using System.Collections.Concurrent;
using Serilog;

namespace Stlm.Actors.Runtime;

/// <summary>
/// The actor runtime of one process (Akka's ActorSystem): guardians at <c>/user</c> and
/// <c>/system</c>, dead letters, the event stream, a scheduler, extensions and shutdown.
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    readonly ActorCell _root;
    readonly ActorCell _userGuardian;
    readonly ActorCell _systemGuardian;
    readonly TimerQueueScheduler _scheduler = new();
    readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly ConcurrentDictionary<Type, object> _extensions = new();
    readonly Lazy<CoordinatedShutdown> _coordinatedShutdown;
    long _tempCounter;

    public string Name { get; }
    public ActorSystemSettings Settings { get; }
    public ILogger Log { get; }
    public IActorRef DeadLetters { get; }
    public EventStream EventStream { get; } = new();
    public IScheduler Scheduler => _scheduler;
    public CoordinatedShutdown CoordinatedShutdown => _coordinatedShutdown.Value;
    public Task WhenTerminated => _terminated.Task;

    ActorSystem(string name, ActorSystemSettings settings)
    {
        Name = name;
        Settings = settings;
        Log = (settings.Logger ?? Serilog.Log.Logger).ForContext("ActorSystem", name);
        DeadLetters = new DeadLetterActorRef(this);
        _coordinatedShutdown = new(() => new CoordinatedShutdown(this));
        var guardian = Props.Create(() => new GuardianActor());
        _root = new ActorCell(this, guardian, null, ActorPath.Root(name));
        _root.SendSystem(CreateActor.Instance);
        _userGuardian = ((LocalActorRef)_root.CreateChild(guardian, "user", validateName: true)).Cell;
        _userGuardian.IsUserGuardian = true;
        _systemGuardian = ((LocalActorRef)_root.CreateChild(guardian, "system", validateName: true)).Cell;
    }

    public static ActorSystem Create(string name, ActorSystemSettings? settings = null)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"invalid actor system name '{name}': use letters, digits, '-' and '_'", nameof(name));
        return new ActorSystem(name, settings ?? new ActorSystemSettings());
    }

    /// <summary>Creates a top-level actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => _userGuardian.ActorOf(props, name);

    /// <summary>Creates an actor under <c>/system</c> (runtime services such as journals).</summary>
    public IActorRef SystemActorOf(Props props, string? name = null) => _systemGuardian.ActorOf(props, name);

    public void Stop(IActorRef actor)
    {
        if (actor is LocalActorRef local)
            local.Cell.SendSystem(TerminateActor.Instance);
    }

    /// <summary>Paths as <c>akka://name/user/a</c> or <c>/user/a</c>.</summary>
    public ActorSelection ActorSelection(string path) => SelectFrom(_root.SelfRef, path);

    internal ActorSelection SelectFrom(LocalActorRef anchor, string path)
    {
        var prefix = $"akka://{Name}";
        if (path.StartsWith("akka://", StringComparison.Ordinal))
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
                return new ActorSelection(this, (LocalActorRef)_root.Self, ["..", "$elsewhere"]);
            path = path[prefix.Length..];
        }
        if (path.StartsWith('/'))
            anchor = _root.SelfRef;
        var elements = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return new ActorSelection(this, anchor, elements);
    }

    /// <summary>Stops every actor, children before parents, and completes <see cref="WhenTerminated"/>.</summary>
    public Task Terminate()
    {
        _root.SendSystem(TerminateActor.Instance);
        return WhenTerminated;
    }

    internal void OnRootTerminated()
    {
        _scheduler.Dispose();
        _terminated.TrySetResult();
    }

    public async ValueTask DisposeAsync() => await Terminate().ConfigureAwait(false);

    /// <summary>Registers a per-system service (e.g. Persistence); the first registration of a type wins.</summary>
    public T RegisterExtension<T>(T extension) where T : class => (T)_extensions.GetOrAdd(typeof(T), extension);

    public T? GetExtension<T>() where T : class => _extensions.TryGetValue(typeof(T), out var e) ? (T)e : null;

    internal ActorPath NewTempPath() =>
        ActorPath.Root(Name).Child("temp").Child("$" + Interlocked.Increment(ref _tempCounter));

    internal void DeadLetter(in Envelope envelope, IActorRef recipient)
    {
        if (envelope.Sender is PromiseActorRef promise)
            promise.Fail(new AskTimeoutException($"recipient {recipient.Path} had already been terminated"));
        if (envelope.Message is DeadLetter)
            return;
        if (Settings.LogDeadLetters)
            Log.Debug("dead letter {MessageType} from {Sender} to {Recipient}",
                envelope.Message.GetType().Name, envelope.Sender?.Path.ToString() ?? "no sender", recipient.Path.ToString());
        EventStream.Publish(new DeadLetter(envelope.Message, envelope.Sender, recipient));
    }

    public override string ToString() => $"ActorSystem[{Name}]";
}
