namespace Stlm.Actors.Runtime;

// Children, stopping and restarting. An actor stops only after all its children have stopped,
// so PostStop runs children first; a restart waits for the children PreRestart stopped, so
// their names are free again for the new instance.
internal sealed partial class ActorCell
{
    readonly Dictionary<string, LocalActorRef> _children = [];
    readonly HashSet<LocalActorRef> _stoppingChildren = [];
    long _childNameCounter;
    bool _terminating;
    bool _failed;
    Exception? _recreateCause;
    object? _failedMessage;

    public IActorRef ActorOf(Props props, string? name = null) => CreateChild(props, name, validateName: true);

    internal IActorRef CreateChild(Props props, string? name, bool validateName)
    {
        LocalActorRef child;
        bool stopAtOnce;
        lock (_children)
        {
            if (name is null)
                name = "$" + Base64Name(++_childNameCounter);
            else if (validateName)
                ActorPath.ValidateName(name);
            if (_children.ContainsKey(name))
                throw new InvalidActorNameException($"actor name '{name}' is not unique under {_self.Path}: stop the old one first or pick another name");
            var cell = new ActorCell(System, props, this, _self.Path.Child(name));
            child = cell._self;
            _children.Add(name, child);
            stopAtOnce = _terminating;
        }
        child.Cell.SendSystem(CreateActor.Instance);
        if (stopAtOnce)
            child.Cell.SendSystem(TerminateActor.Instance);
        return child;
    }

    static string Base64Name(long n)
    {
        const string digits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+~";
        var chars = new List<char>();
        do
        {
            chars.Add(digits[(int)(n & 63)]);
            n >>= 6;
        } while (n > 0);
        return new string([.. chars]);
    }

    public IReadOnlyList<IActorRef> GetChildren()
    {
        lock (_children)
            return [.. _children.Values];
    }

    public IActorRef? Child(string name)
    {
        lock (_children)
            return _children.GetValueOrDefault(name);
    }

    internal LocalActorRef? ChildRef(string name)
    {
        lock (_children)
            return _children.GetValueOrDefault(name);
    }

    bool IsChild(LocalActorRef child)
    {
        lock (_children)
            return _children.TryGetValue(child.Path.Name, out var current) && ReferenceEquals(current, child);
    }

    public void Stop(IActorRef actor)
    {
        if (actor is not LocalActorRef local)
            return;
        if (ReferenceEquals(local.Cell.ParentCell, this))
            _stoppingChildren.Add(local);
        local.Cell.SendSystem(TerminateActor.Instance);
    }

    void BeginTerminate()
    {
        if (_terminating)
            return;
        List<LocalActorRef> children;
        lock (_children)
        {
            _terminating = true;
            children = [.. _children.Values];
        }
        foreach (var child in children)
            child.Cell.SendSystem(TerminateActor.Instance);
        if (children.Count == 0)
            FinishTerminate();
    }

    void FinishTerminate()
    {
        _timers?.CancelAll();
        if (_actor is not null)
        {
            try
            {
                _actor.AroundPostStop();
            }
            catch (Exception e)
            {
                Log.Error(e, "PostStop of {Actor} threw", _self.Path);
            }
            if (_actor is IWithStash { Stash: ActorStash stash })
                stash.DropToDeadLetters();
        }
        _actor = null;
        foreach (var message in Mailbox.Close())
            AnswerWhenDead(message);
        NotifyWatchersAndUnwatch();
        System.EventStream.Unsubscribe(_self);
        if (ParentCell is { } parent)
            parent.SendSystem(new ChildTerminated(_self));
        else
            System.OnRootTerminated();
    }

    void HandleChildTerminated(LocalActorRef child)
    {
        int remaining;
        lock (_children)
        {
            if (_children.TryGetValue(child.Path.Name, out var current) && ReferenceEquals(current, child))
                _children.Remove(child.Path.Name);
            remaining = _children.Count;
        }
        _stoppingChildren.Remove(child);
        _restartStats.Remove(child);
        if (_terminating)
        {
            if (remaining == 0)
                FinishTerminate();
        }
        else if (_recreateCause is not null && _stoppingChildren.Count == 0)
        {
            FinishRecreate();
        }
    }

    void Resume()
    {
        if (!_failed || _terminating)
            return;
        _failed = false;
        _failedMessage = null;
        // Children suspended because this actor escalated their failure go on too.
        foreach (var child in GetChildren())
            ((LocalActorRef)child).Cell.SendSystem(ResumeActor.Instance);
    }

    void BeginRecreate(Exception cause)
    {
        if (_terminating)
            return;
        var failedMessage = _failedMessage;
        _timers?.CancelAll();
        if (_actor is not null)
        {
            if (_actor is IWithStash { Stash: ActorStash stash })
                stash.UnstashAll();
            try
            {
                _actor.AroundPreRestart(cause, failedMessage);
            }
            catch (Exception e)
            {
                Log.Error(e, "PreRestart of {Actor} threw", _self.Path);
            }
        }
        _recreateCause = cause;
        if (_stoppingChildren.Count == 0)
            FinishRecreate();
    }

    void FinishRecreate()
    {
        var cause = _recreateCause!;
        _recreateCause = null;
        _failed = false;
        _failedMessage = null;
        try
        {
            _actor = NewInstance();
            _actor.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(new ActorInitializationException(_self, e));
        }
    }
}
