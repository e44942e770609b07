namespace Stlm.Actors.Runtime;

/// <summary>
/// The actors at "/", "/user" and "/system". They hold no behaviour; their cells do the
/// supervision (the user guardian stops a top-level actor whose failure was escalated to it).
/// </summary>
internal sealed class GuardianActor : ActorBase
{
    protected override bool Receive(object message) => false;

    protected override void Unhandled(object message)
    {
        if (message is not Terminated)
            base.Unhandled(message);
    }

    // A guardian's restart must not stop the whole tree.
    protected override void PreRestart(Exception reason, object? message) { }
}
