using System.Collections.Immutable;
using Serilog;

namespace Stlm.Actors.Runtime;

/// <summary>
/// The runtime's side of one actor (Akka's ActorCell): its instance, mailbox, children,
/// watchers and lifecycle state. Everything here except the children table is touched only by
/// the thread currently running the mailbox, so it needs no locks.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic] static ActorCell? t_current;
    [ThreadStatic] static ActorCell? t_constructing;

    /// <summary>The actor whose message this thread is handling, if any.</summary>
    internal static ActorCell? Current => t_current;

    internal static ActorCell? Constructing => t_constructing;

    internal static ActorCell? Enter(ActorCell cell)
    {
        var previous = t_current;
        t_current = cell;
        return previous;
    }

    internal static void Leave(ActorCell? previous) => t_current = previous;

    readonly LocalActorRef _self;
    ActorBase? _actor;
    ILogger? _log;
    ImmutableDictionary<string, object?> _logProperties;
    TimerScheduler? _timers;
    Envelope _current;

    public ActorSystem System { get; }
    public Props Props { get; }
    internal ActorCell? ParentCell { get; }
    internal Mailbox Mailbox { get; }
    internal bool IsUserGuardian { get; set; }

    /// <summary>
    /// The journal writes of this actor's current or previous instance, so that a restarted
    /// persistent actor recovers only after its predecessor's writes have settled.
    /// </summary>
    internal Task PendingWrites { get; set; } = Task.CompletedTask;

    public ActorCell(ActorSystem system, Props props, ActorCell? parent, ActorPath path)
    {
        System = system;
        Props = props;
        ParentCell = parent;
        _logProperties = parent?._logProperties ?? ImmutableDictionary<string, object?>.Empty;
        _self = new LocalActorRef(this, path);
        Mailbox = new Mailbox(this, props);
        if (props.DedicatedThread)
            Mailbox.UseDispatcher(new DedicatedThreadDispatcher(Mailbox, path.ToString()));
    }

    public IActorRef Self => _self;
    internal LocalActorRef SelfRef => _self;
    public IActorRef Parent => (IActorRef?)ParentCell?._self ?? System.DeadLetters;
    public IActorRef Sender => _current.Sender ?? System.DeadLetters;
    internal IActorRef? CurrentSender => _current.Sender;
    internal Envelope CurrentEnvelope => _current;
    internal ActorBase? Actor => _actor;

    internal bool CanProcessUserMessages =>
        _actor is not null && !_failed && !_terminating && _recreateCause is null;

    public ILogger Log => _log ??= BuildLog();

    ILogger BuildLog()
    {
        var log = System.Log.ForContext("ActorPath", _self.Path.ToString());
        foreach (var (name, value) in _logProperties)
            log = log.ForContext(name, value);
        return log;
    }

    public void SetLogProperty(string name, object? value)
    {
        _logProperties = _logProperties.SetItem(name, value);
        _log = null;
    }

    /// <summary>Handles one user message on the mailbox's thread.</summary>
    internal void Invoke(in Envelope envelope, bool fromStash)
    {
        _current = envelope;
        try
        {
            var message = envelope.Message;
            if (message is IAutoReceived)
                AutoReceive(message, fromStash);
            else if (!_actor!.AroundReceive(message))
                _actor.AroundUnhandled(message);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
    }

    /// <summary>Runs a handler as if the given envelope were being handled (persistence callbacks).</summary>
    internal void WithCurrent(in Envelope envelope, Action action)
    {
        var saved = _current;
        _current = envelope;
        try
        {
            action();
        }
        finally
        {
            _current = saved;
        }
    }

    // A Terminated that was stashed already passed the watch check the first time round.
    void AutoReceive(object message, bool fromStash)
    {
        switch (message)
        {
            case PoisonPill:
                BeginTerminate();
                break;
            case Kill:
                throw new ActorKilledException($"{_self.Path} received Kill");
            case Terminated terminated:
                if ((fromStash || _watching?.Remove(terminated.ActorRef) == true) && !_actor!.AroundReceive(terminated))
                    _actor.AroundUnhandled(terminated);
                break;
            case Identify identify:
                Sender.Tell(new ActorIdentity(identify.MessageId, _self), _self);
                break;
            case TimerMessage timer:
                if (_timers?.Accept(timer) == true)
                {
                    _current = new Envelope(timer.Message, null);
                    if (!_actor!.AroundReceive(timer.Message))
                        _actor.AroundUnhandled(timer.Message);
                }
                break;
        }
    }

    internal void HandleSystem(SystemMessage message)
    {
        switch (message)
        {
            case CreateActor: Create(); break;
            case TerminateActor: BeginTerminate(); break;
            case ResumeActor: Resume(); break;
            case RecreateActor recreate: BeginRecreate(recreate.Cause); break;
            case ChildFailed failed: HandleChildFailed(failed); break;
            case ChildTerminated terminated: HandleChildTerminated(terminated.Child); break;
            case WatchActor watch: AddWatcher(watch.Watcher); break;
            case UnwatchActor unwatch: _watchedBy?.Remove(unwatch.Watcher); break;
            case DeathWatchNotification death: HandleDeathWatchNotification(death.Actor); break;
        }
    }

    /// <summary>Sends a system message, or answers it as a dead actor would.</summary>
    internal void SendSystem(SystemMessage message)
    {
        if (!Mailbox.PostSystem(message))
            AnswerWhenDead(message);
    }

    ActorBase NewInstance()
    {
        var previous = t_constructing;
        t_constructing = this;
        ActorBase actor;
        try
        {
            actor = Props.Factory();
        }
        finally
        {
            t_constructing = previous;
        }
        if (actor is IWithStash withStash)
            withStash.Stash = new ActorStash(this);
        if (actor is IWithTimers withTimers)
            withTimers.Timers = _timers ??= new TimerScheduler(this);
        return actor;
    }

    void Create()
    {
        try
        {
            _actor = NewInstance();
            _actor.AroundPreStart();
        }
        catch (Exception e)
        {
            HandleInvokeFailure(new ActorInitializationException(_self, e));
        }
    }

    public ActorSelection ActorSelection(string path) => System.SelectFrom(_self, path);

    public override string ToString() => $"ActorCell[{_self.Path}]";
}
