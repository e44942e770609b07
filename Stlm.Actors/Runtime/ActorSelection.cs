namespace Stlm.Actors.Runtime;

/// <summary>
/// Actors looked up by path (Akka's ActorSelection, without wildcards). The path is resolved
/// at each Tell, so it reaches whichever actor lives there then; nobody there → dead letters.
/// </summary>
public sealed class ActorSelection
{
    readonly ActorSystem _system;
    readonly LocalActorRef _anchor;
    readonly string[] _elements;

    internal ActorSelection(ActorSystem system, LocalActorRef anchor, string[] elements)
    {
        _system = system;
        _anchor = anchor;
        _elements = elements;
    }

    public string PathString => _anchor.Path + (_elements.Length == 0 ? "" : (_anchor.Path.Parent is null ? "" : "/") + string.Join('/', _elements));

    internal IActorRef? Resolve()
    {
        var current = _anchor.Cell;
        foreach (var element in _elements)
        {
            if (element == "..")
            {
                current = current.ParentCell;
                if (current is null)
                    return null;
                continue;
            }
            if (element is "." or "")
                continue;
            var child = current.ChildRef(element);
            if (child is null)
                return null;
            current = child.Cell;
        }
        return current.Mailbox.IsClosed ? null : current.Self;
    }

    public void Tell(object message, IActorRef? sender = null)
    {
        sender ??= ActorCell.Current?.Self;
        if (Resolve() is { } target)
            target.Tell(message, sender);
        else
            _system.DeadLetters.Tell(message, sender);
    }

    /// <summary>The actor at the path now, or ActorNotFoundException.</summary>
    public Task<IActorRef> ResolveOne(TimeSpan timeout) =>
        Resolve() is { } target
            ? Task.FromResult(target)
            : Task.FromException<IActorRef>(new ActorNotFoundException($"no actor at {PathString}"));

    public override string ToString() => $"ActorSelection[{PathString}]";
}
