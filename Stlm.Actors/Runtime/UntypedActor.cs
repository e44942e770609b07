namespace Stlm.Actors.Runtime;

/// <summary>
/// An actor with one <see cref="OnReceive"/> method (Akka's UntypedActor). Call
/// <c>Unhandled(message)</c> for messages it does not understand.
/// </summary>
public abstract class UntypedActor : ActorBase
{
    Action<object>? _behavior;

    protected abstract void OnReceive(object message);

    protected sealed override bool Receive(object message)
    {
        if (_behavior is { } behavior)
            behavior(message);
        else
            OnReceive(message);
        return true;
    }

    /// <summary>Handles the next messages with another method until Unbecome.</summary>
    protected void Become(Action<object> behavior) => _behavior = behavior;

    protected void Unbecome() => _behavior = null;

    protected new void Unhandled(object message) => base.Unhandled(message);
}
