namespace Stlm.Actors.Runtime;

// Failures: the failing actor suspends itself and tells its parent, whose strategy picks a
// directive. Escalations that reach the user guardian stop the top-level actor, so a failure
// never takes the system down.
internal sealed partial class ActorCell
{
    readonly Dictionary<LocalActorRef, ChildRestartStats> _restartStats = [];

    void HandleInvokeFailure(Exception cause)
    {
        if (_terminating)
        {
            Log.Error(cause, "{Actor} failed while stopping", _self.Path);
            return;
        }
        if (_failed)
            return;
        _failed = true;
        _failedMessage = _current.Message;
        if (ParentCell is { } parent)
            parent.SendSystem(new ChildFailed(_self, cause, Escalated: false));
        else
        {
            Log.Error(cause, "root guardian failed; stopping the actor system");
            BeginTerminate();
        }
    }

    SupervisorStrategy CurrentStrategy => Props.SupervisorStrategy ?? _actor?.CurrentSupervisorStrategy() ?? SupervisorStrategy.Default;

    void HandleChildFailed(ChildFailed failed)
    {
        var child = failed.Child;
        if (!IsChild(child) || _terminating)
            return;
        SupervisorStrategy strategy;
        try
        {
            strategy = CurrentStrategy;
        }
        catch (Exception e)
        {
            Log.Error(e, "SupervisorStrategy() of {Actor} threw; using the default strategy", _self.Path);
            strategy = SupervisorStrategy.Default;
        }
        Directive directive;
        if (failed.Escalated && (IsUserGuardian || ParentCell is null))
            directive = Directive.Stop;
        else
        {
            try
            {
                directive = strategy.Decide(failed.Cause);
            }
            catch (Exception e)
            {
                Log.Error(e, "supervisor decider of {Actor} threw; escalating", _self.Path);
                directive = Directive.Escalate;
            }
        }
        if (directive == Directive.Escalate && ParentCell is null)
            directive = Directive.Stop;

        switch (directive)
        {
            case Directive.Resume:
                Log.Warning(failed.Cause, "{Child} failed; resuming it", child.Path);
                child.Cell.SendSystem(ResumeActor.Instance);
                break;
            case Directive.Restart:
                if (!_restartStats.TryGetValue(child, out var stats))
                    _restartStats[child] = stats = new ChildRestartStats();
                if (strategy.RequestRestartPermission(stats))
                {
                    Log.Error(failed.Cause, "{Child} failed; restarting it", child.Path);
                    foreach (var target in Targets(strategy, child))
                        target.Cell.SendSystem(new RecreateActor(failed.Cause));
                }
                else
                {
                    Log.Error(failed.Cause, "{Child} failed more than {MaxRetries} times within {Window}; stopping it",
                        child.Path, strategy.MaxNrOfRetries, strategy.WithinTimeRange);
                    foreach (var target in Targets(strategy, child))
                        Stop(target);
                }
                break;
            case Directive.Stop:
                Log.Error(failed.Cause, failed.Escalated && IsUserGuardian
                    ? "{Child} escalated a failure to the guardian; stopping it"
                    : "{Child} failed; stopping it", child.Path);
                foreach (var target in Targets(strategy, child))
                    Stop(target);
                break;
            case Directive.Escalate:
                if (!_failed)
                {
                    _failed = true;
                    _failedMessage = null;
                    ParentCell!.SendSystem(new ChildFailed(_self, failed.Cause, Escalated: true));
                }
                break;
        }
    }

    IEnumerable<LocalActorRef> Targets(SupervisorStrategy strategy, LocalActorRef failedChild)
    {
        if (!strategy.AppliesToAllChildren)
            return [failedChild];
        lock (_children)
            return [.. _children.Values];
    }
}
