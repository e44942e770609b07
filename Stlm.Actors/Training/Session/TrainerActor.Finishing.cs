using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

// How the trainer stops: pause and completion checkpoint first; every ending waits until the
// journal has answered every step, every checkpoint is committed and every evaluation is in,
// then journals Paused, Completed or Failed and tells the session. Only failures that are facts
// about the run (a re-run that does not match the journal, a non-finite loss under "stop") are
// journaled as Failed, which ends the run for good; a failure of the machinery (a checkpoint
// that cannot be written, an exception in a step) ends only this session, and the run can be
// resumed once the cause is fixed, as after a crash.
public sealed partial class TrainerActor
{
    /// <summary><paramref name="Interrupted"/>: journaled as Interrupted (the run stays resumable), not as Failed.</summary>
    sealed record Finish(SessionEnd End, string Reason, bool Journal = true, bool Interrupted = false);

    // How the session ends: set when training stops (Finishing), kept to the end.
    Finish? _finishing;

    bool Failing => _finishing?.End == SessionEnd.Failed;

    /// <summary>Training → Finishing; while finishing only a failure changes how it ends.</summary>
    void BeginFinish(Finish finish)
    {
        if (_finishing is not null && (Failing || finish.End != SessionEnd.Failed)) return;
        _finishing = finish;
        Become(Finishing);
        // While a rollback is pending the weights hold the bad step's update: never checkpoint them
        // (once rolled back, training stands at the checkpoint itself).
        if (finish.End != SessionEnd.Failed && _rollback is null && CurrentStep > _lastCheckpointed)
        {
            try
            {
                Checkpoint(evaluate: finish.End == SessionEnd.Completed);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                FailStep($"the checkpoint of step {CurrentStep} could not be captured", e, journal: true);
                return;
            }
        }
        // No step follows: the other ranks of a data-parallel run may leave.
        if (_rollback is null) _setup.Ranks?.Stop();
        TryFinish();
    }

    /// <summary>
    /// A step (or checkpoint capture) threw: a data-parallel rank lost is an interruption (journaled
    /// with its reason, resumable); ranks whose weights diverged fail the run; anything else fails the session.
    /// </summary>
    void FailStep(string what, Exception e, bool journal = false)
    {
        var reason = $"{what}: {e.Message.ReplaceLineEndings(" ")}";
        switch (e)
        {
            case Model.Training.DataParallel.RankLostException:
                Fail(reason, journal: false, interrupted: true);
                break;
            case Model.Training.DataParallel.RanksDivergedException:
                Fail(reason, journal: true);
                break;
            default:
                Fail(reason, journal);
                break;
        }
    }

    /// <summary>Ends the session as failed; <paramref name="journal"/>: the run itself failed (journaled, terminal).</summary>
    void Fail(string reason, bool journal = true, bool interrupted = false)
    {
        if (Failing)
        {
            // A later failure may be the last thing finishing waited for.
            TryFinish();
            return;
        }
        RunLog.Of(Context).Error(interrupted ? "Run {RunId} is interrupted after step {Step}: {Reason}" : "Run {RunId} fails at step {Step}: {Reason}",
            _setup.RunId, CurrentStep, reason);
        BeginFinish(new Finish(SessionEnd.Failed, reason, journal, interrupted));
    }

    /// <summary>Finishing → Stopping once nothing is in flight: the ending is journaled.</summary>
    void TryFinish()
    {
        if (_finishing is not { } f) return;
        if (_inJournal.Count > 0 || _skipsInFlight > 0 || _checkpointsInFlight > 0 || _evalsInFlight > 0 || _overridesInFlight > 0) return;
        if (_rollback is not null && f.End != SessionEnd.Failed) return;
        Become(Stopping);
        _setup.Ranks?.Stop();
        if (!f.Journal && !f.Interrupted)
        {
            OnFinalAnswer(new FinalAnswer(SessionEnd.Failed, null, f.Reason));
            return;
        }
        object command = f.Interrupted ? new InterruptRun(f.Reason) : f.End switch
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

    /// <summary>Stopping → Stopped: the session hears how it ended.</summary>
    void OnFinalAnswer(FinalAnswer a)
    {
        Become(Stopped);
        var outcome = new SessionOutcome(a.End, _setup.RunId, CurrentStep, _tokens, _lastLoss, _heldOutBpb, a.Reason)
        {
            Interrupted = _finishing?.Interrupted == true,
        };
        if (a.State is { } state)
            _reporter.Tell(new StatusEvent(state.Status, state.Step, a.Reason), Self);
        _reporter.Tell(new TrainerFinished(outcome), Self);
    }
}
