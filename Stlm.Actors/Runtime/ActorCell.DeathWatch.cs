namespace Stlm.Actors.Runtime;

// Watch/Unwatch/Terminated. The watchee keeps its watchers; when it dies it notifies each.
// A watch that reaches an already dead actor is answered at once.
internal sealed partial class ActorCell
{
    HashSet<IActorRef>? _watching;
    HashSet<IActorRef>? _watchedBy;

    public IActorRef Watch(IActorRef subject)
    {
        _watching ??= [];
        if (!_watching.Add(subject) || ReferenceEquals(subject, _self))
            return subject;
        if (subject is LocalActorRef local)
            local.Cell.SendSystem(new WatchActor(_self));
        else
            Mailbox.Post(new Envelope(new Terminated(subject), subject));
        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        if (_watching?.Remove(subject) == true && subject is LocalActorRef local)
            local.Cell.SendSystem(new UnwatchActor(_self));
        return subject;
    }

    /// <summary>Makes any ref (a probe, a promise) a watcher of this actor.</summary>
    internal void AddWatcher(IActorRef watcher)
    {
        _watchedBy ??= [];
        _watchedBy.Add(watcher);
    }

    void HandleDeathWatchNotification(IActorRef dead)
    {
        if (_watching?.Contains(dead) == true)
            Mailbox.Post(new Envelope(new Terminated(dead), dead));
    }

    void NotifyWatchersAndUnwatch()
    {
        if (_watchedBy is { } watchers)
            foreach (var watcher in watchers)
                NotifyDeath(watcher, _self);
        _watchedBy = null;
        if (_watching is { } watching)
            foreach (var subject in watching)
                if (subject is LocalActorRef local)
                    local.Cell.SendSystem(new UnwatchActor(_self));
        _watching = null;
    }

    static void NotifyDeath(IActorRef watcher, IActorRef dead)
    {
        if (watcher is LocalActorRef local)
            local.Cell.SendSystem(new DeathWatchNotification(dead));
        else
            watcher.Tell(new Terminated(dead), dead);
    }

    /// <summary>What a dead actor answers to system messages that arrive after it stopped.</summary>
    void AnswerWhenDead(SystemMessage message)
    {
        if (message is WatchActor watch)
            NotifyDeath(watch.Watcher, _self);
    }
}
