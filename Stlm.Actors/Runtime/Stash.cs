namespace Stlm.Actors.Runtime;

/// <summary>An actor that can set messages aside (Akka's IWithUnboundedStash); the runtime sets <see cref="Stash"/>.</summary>
public interface IWithStash
{
    IStash Stash { get; set; }
}

/// <summary>
/// Sets the current message aside and puts stashed messages back at the head of the mailbox,
/// in their original order. On restart the stash is put back; on stop it goes to dead letters.
/// </summary>
public interface IStash
{
    void Stash();
    void Unstash();
    void UnstashAll();
    void UnstashAll(Func<Envelope, bool> predicate);
    IReadOnlyList<Envelope> ClearStash();
    int Count { get; }
}

internal sealed class ActorStash(ActorCell cell) : IStash
{
    readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (_stashed.Count > 0 && ReferenceEquals(_stashed[^1].Message, current.Message) && Equals(_stashed[^1].Sender, current.Sender))
            throw new ActorException($"{cell.Self.Path} stashed the same message twice");
        _stashed.Add(current);
    }

    public void Unstash()
    {
        if (_stashed.Count == 0)
            return;
        var first = _stashed[0];
        _stashed.RemoveAt(0);
        cell.Mailbox.Prepend([first]);
    }

    public void UnstashAll() => UnstashAll(_ => true);

    public void UnstashAll(Func<Envelope, bool> predicate)
    {
        List<Envelope> back = [], kept = [];
        foreach (var envelope in _stashed)
            (predicate(envelope) ? back : kept).Add(envelope);
        _stashed.Clear();
        _stashed.AddRange(kept);
        cell.Mailbox.Prepend(back);
    }

    public IReadOnlyList<Envelope> ClearStash()
    {
        var all = _stashed.ToList();
        _stashed.Clear();
        return all;
    }

    internal void DropToDeadLetters()
    {
        foreach (var envelope in ClearStash())
            cell.System.DeadLetter(envelope, cell.Self);
    }
}
