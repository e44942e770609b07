namespace Stlm.Actors.Persistence;

/// <summary>
/// A persistent actor that registers typed handlers in its constructor (Akka's
/// ReceivePersistentActor):
/// <code>
/// Recover&lt;Added&gt;(e =&gt; _sum += e.N);
/// Command&lt;Add&gt;(c =&gt; Persist(new Added(c.N), e =&gt; { _sum += e.N; Sender.Tell(_sum); }));
/// </code>
/// The first handler whose type (and predicate) matches wins.
/// </summary>
public abstract class ReceivePersistentActor : PersistentActor
{
    readonly record struct Handler(Type Type, Func<object, bool> Handle);

    readonly List<Handler> _recoverHandlers = [];
    List<Handler> _commandHandlers = [];

    protected void Recover<T>(Action<T> handler) =>
        _recoverHandlers.Add(new(typeof(T), m => { handler((T)m); return true; }));

    protected void Command<T>(Action<T> handler) =>
        _commandHandlers.Add(new(typeof(T), m => { handler((T)m); return true; }));

    protected void Command<T>(Predicate<T> shouldHandle, Action<T> handler) =>
        _commandHandlers.Add(new(typeof(T), m =>
        {
            if (!shouldHandle((T)m))
                return false;
            handler((T)m);
            return true;
        }));

    protected void CommandAny(Action<object> handler) =>
        _commandHandlers.Add(new(typeof(object), m => { handler(m); return true; }));

    /// <summary>Replaces the command handlers by those <paramref name="configure"/> registers.</summary>
    protected void Become(Action configure)
    {
        _commandHandlers = [];
        configure();
    }

    protected sealed override bool ReceiveRecover(object message) => Dispatch(_recoverHandlers, message);

    protected sealed override bool ReceiveCommand(object message) => Dispatch(_commandHandlers, message);

    static bool Dispatch(List<Handler> handlers, object message)
    {
        var type = message.GetType();
        foreach (var handler in handlers)
            if ((handler.Type == type || handler.Type.IsAssignableFrom(type)) && handler.Handle(message))
                return true;
        return false;
    }
}
