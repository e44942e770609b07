using Stlm.Actors.Runtime;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

// How the trainer stops: pause and completion checkpoint first; every ending waits until the
// journal has answered every step, every checkpoint is committed and every evaluation is in,
// then journals Paused, Completed or Failed and tells the session.
public sealed partial class TrainerActor
{
    sealed record Finish(SessionEnd End, string Reason);

    bool _failed;

    void BeginFinish(Finish finish)
    {
        if (_finishing is not null && (_finishing.End == SessionEnd.Failed || finish.End != SessionEnd.Failed)) return;
        _finishing = finish;
        if (finish.End != SessionEnd.Failed && CurrentStep > _lastCheckpointed)
        {
            try
            {
                Checkpoint(evaluate: finish.End == SessionEnd.Completed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Fail($"the checkpoint of step {CurrentStep} could not be captured: {e.Message.ReplaceLineEndings(" ")}");
                return;
            }
        }
        TryFinish();
    }

    void Fail(string reason)
    {
        if (_failed) return;
        _failed = true;
        Context.Log.Error("Run {RunId} fails at step {Step}: {Reason}", _setup.RunId, CurrentStep, reason);
        BeginFinish(new Finish(SessionEnd.Failed, reason));
    }

    void TryFinish()
    {
        if (_finishing is not { } f || _finalAsked) return;
        if (_inJournal.Count > 0 || _skipsInFlight > 0 || _checkpointsInFlight > 0 || _evalsInFlight > 0 || _overridesInFlight > 0) return;
        if (_rollback is not null && f.End != SessionEnd.Failed) return;
        _finalAsked = true;
        object command = f.End switch
        {
            SessionEnd.Paused => new PauseRun(f.Reason),
            SessionEnd.Completed => new CompleteRun(),
            _ => new FailRun(f.Reason),
        };
        RunActor.AskAsync(_run, command).PipeTo(Self, Self,
            state => new FinalAnswer(f.End, state, f.Reason),
            error => new FinalAnswer(SessionEnd.Failed, null, f.End == SessionEnd.Failed
                ? f.Reason
                : $"{f.End.ToString().ToLowerInvariant()} could not be journaled: {error.Message.ReplaceLineEndings(" ")}"));
    }

    void OnFinalAnswer(FinalAnswer a)
    {
        var outcome = new SessionOutcome(a.End, _setup.RunId, CurrentStep, _tokens, _lastLoss, _heldOutBpb, a.Reason);
        if (a.State is { } state)
            _reporter.Tell(new StatusEvent(state.Status, state.Step, a.Reason), Self);
        _reporter.Tell(new TrainerFinished(outcome), Self);
    }
}
