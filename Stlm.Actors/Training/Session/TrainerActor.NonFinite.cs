using System.Globalization;
using Stlm.Actors.Runtime;
using Stlm.Actors.Training.Run;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

// A step whose loss or gradient norm is NaN or infinite, by session.on-non-finite:
//  stop       the run fails at that step (journaled Failed);
//  skip-batch the step's update is undone from a copy taken before the step (TrainStep applies
//             it before the loss can be seen), StepSkipped is journaled, and the same step
//             number is trained on the next batch;
//  rollback   once every step before it is journaled and every checkpoint committed, RolledBack
//             (to the newest committed checkpoint, or the run's start) and a ScheduleOverridden
//             scaling lr by rollback-lr-factor from the step after it are journaled, and
//             training goes on from that checkpoint.
// Each outcome is a pure function of the journal, so a resume that meets the step again
// rechecks the skip, or finds the rollback already journaled.
public sealed partial class TrainerActor
{
    sealed record SkipJournaled(RunReply Reply, StepSkipped Skip);

    sealed record PendingRollback(long FailedStep, double Loss)
    {
        public bool Asked { get; set; }
    }

    sealed record RollbackJournaled(RunState State);

    TrainingState? _guard;
    int _skipsInFlight;
    PendingRollback? _rollback;

    /// <summary>The state before step n, kept only under skip-batch (it costs a copy of weights and moments per step).</summary>
    TrainingState? PrepareGuard(long n)
    {
        if (_setup.Settings.OnNonFinite != NonFinitePolicy.SkipBatch) return null;
        _guard?.Dispose();
        _guard = TrainingState.Capture(n, _model.Module, _optimizer, _cursor);
        return _guard;
    }

    void OnNonFinite(long n, StepBatch batch, StepResult result, TrainingState? guard)
    {
        var what = string.Create(CultureInfo.InvariantCulture, $"step {n} has a non-finite loss {result.Loss:R} (gradient norm {result.GradNorm:R})");
        switch (_setup.Settings.OnNonFinite)
        {
            case NonFinitePolicy.SkipBatch:
                guard!.RestoreInto(_model.Module, _optimizer);
                _cursor = batch.Next;
                var skip = new StepSkipped
                {
                    Step = n, Loss = result.Loss, GradNorm = result.GradNorm,
                    From = new DataCursor { Epoch = batch.From.Epoch, Position = batch.From.Position },
                    Cursor = new DataCursor { Epoch = batch.Next.Epoch, Position = batch.Next.Position },
                };
                Context.Log.Warning("Run {RunId}: {What}; its batch is skipped and the step retried on the next one", _setup.RunId, what);
                _skipsInFlight++;
                _run.Ask<RunReply>(new RecordSkip(skip), TimeSpan.FromMinutes(1)).PipeTo(Self, Self, r => new SkipJournaled(r, skip));
                break;
            case NonFinitePolicy.Rollback:
                Context.Log.Warning("Run {RunId}: {What}; rolling back to the checkpoint of step {To}", _setup.RunId, what, _lastCommitted.Step);
                _rollback = new PendingRollback(n, result.Loss);
                break;
            default:
                Fail($"{what}; lower training.optimizer.lr or raise schedules.learning-rate.warmup-steps, or set session.on-non-finite = skip-batch or rollback");
                break;
        }
    }

    void OnSkipJournaled(SkipJournaled j)
    {
        _skipsInFlight--;
        if (j.Reply is RunRejected r) Fail(r.Reason);
        else _reporter.Tell(new StepSkippedEvent(j.Skip), Self);
        Continue();
    }

    /// <summary>Journals the rollback once nothing before it is still on its way to the journal.</summary>
    void TryRollback()
    {
        if (_rollback is not { Asked: false } rb || _inJournal.Count > 0 || _skipsInFlight > 0 || _checkpointsInFlight > 0 || _failed) return;
        rb.Asked = true;
        var to = _lastCommitted;
        var factor = ScheduleActor.Scale(_setup.Settings.RollbackLrFactor);
        RollbackAsync(rb, to, factor).PipeTo(Self, Self, state => new RollbackJournaled(state));
    }

    async Task<RunState> RollbackAsync(PendingRollback rb, StartPoint to, string factor)
    {
        await RunActor.AskAsync(_run, new RollBack(rb.FailedStep, rb.Loss, to.Step, to.CheckpointHash));
        return await RunActor.AskAsync(_run, new OverrideSchedule(Model.Schedules.ScheduleOverride.Lr, factor, to.Step + 1));
    }

    void OnRollbackJournaled(RollbackJournaled j)
    {
        var rolledBack = j.State.Rollbacks[^1];
        var lowered = j.State.Overrides[^1];
        try
        {
            LoadState(_lastCommitted);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _rollback = null;
            Fail($"rolling back to step {_lastCommitted.Step} failed: {e.Message.ReplaceLineEndings(" ")}", journal: false);
            return;
        }
        _rollback = null;
        _schedule.Tell(new AddOverride(lowered), Self);
        _awaitedScheduleVersion++;
        _reporter.Tell(new RolledBackEvent(rolledBack), Self);
        _reporter.Tell(new OverrideEvent(lowered), Self);
        Continue();
    }
}
