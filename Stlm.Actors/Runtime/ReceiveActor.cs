namespace Stlm.Actors.Runtime;

/// <summary>
/// An actor that registers typed handlers in its constructor (Akka's ReceiveActor):
/// <code>Receive&lt;Ping&gt;(p =&gt; Sender.Tell(new Pong(p.N)));</code>
/// Handlers are tried in registration order; the first whose type (and predicate) matches wins.
/// </summary>
public abstract class ReceiveActor : ActorBase
{
    readonly record struct Handler(Type Type, Func<object, bool> Handle);

    List<Handler> _handlers = [];
    readonly Stack<List<Handler>> _behaviorStack = new();

    protected void Receive<T>(Action<T> handler) =>
        _handlers.Add(new(typeof(T), m => { handler((T)m); return true; }));

    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler) =>
        _handlers.Add(new(typeof(T), m =>
        {
            if (!shouldHandle((T)m))
                return false;
            handler((T)m);
            return true;
        }));

    /// <summary>A handler that may decline the message by returning false.</summary>
    protected void Receive<T>(Func<T, bool> handler) => _handlers.Add(new(typeof(T), m => handler((T)m)));

    protected void ReceiveAny(Action<object> handler) =>
        _handlers.Add(new(typeof(object), m => { handler(m); return true; }));

    /// <summary>Replaces the handlers by those <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure)
    {
        _handlers = [];
        configure();
    }

    /// <summary>Like Become, but Unbecome returns to the current handlers.</summary>
    protected void BecomeStacked(Action configure)
    {
        _behaviorStack.Push(_handlers);
        Become(configure);
    }

    protected void UnbecomeStacked()
    {
        if (_behaviorStack.Count > 0)
            _handlers = _behaviorStack.Pop();
    }

    protected sealed override bool Receive(object message)
    {
        var type = message.GetType();
        foreach (var handler in _handlers)
        {
            if ((handler.Type == type || handler.Type.IsAssignableFrom(type)) && handler.Handle(message))
                return true;
        }
        return false;
    }
}
