using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

// A step whose loss or gradient norm is NaN or infinite, by session.on-non-finite:
//  stop       the run fails at that step (journaled Failed);
//  skip-batch TrainStep reads the loss and gradient norm before the update and does not apply
//             a non-finite one, so weights and optimizer state need no copy; only the random
//             generators' state before the step (a few KB) is kept, and put back, so the retry
//             draws the dropout masks a replay that jumps over the bad batch draws. StepSkipped
//             is journaled, and the same step number is trained on the next batch;
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

    RngSnapshot? _rngBeforeStep;
    int _skipsInFlight;
    PendingRollback? _rollback;

    bool SkipsBatches => _setup.Settings.OnNonFinite == NonFinitePolicy.SkipBatch;

    /// <summary>Under skip-batch, the generators' state before step n: a skipped attempt's draws are given back.</summary>
    void RememberRng()
    {
        if (SkipsBatches) _rngBeforeStep = Rng.Capture();
    }

    void OnNonFinite(long n, StepBatch batch, StepResult result)
    {
        var what = string.Create(CultureInfo.InvariantCulture, $"step {n} has a non-finite loss {result.Loss:R} (gradient norm {result.GradNorm:R})");
        switch (_setup.Settings.OnNonFinite)
        {
            case NonFinitePolicy.SkipBatch:
                if (result.Updated) throw new InvalidOperationException($"step {n}: a non-finite update was applied under skip-batch");
                Rng.Restore(_rngBeforeStep!);
                _cursor = batch.Next;
                var skip = new StepSkipped
                {
                    Step = n, Loss = result.Loss, GradNorm = result.GradNorm,
                    From = new DataCursor { Epoch = batch.From.Epoch, Position = batch.From.Position },
                    Cursor = new DataCursor { Epoch = batch.Next.Epoch, Position = batch.Next.Position },
                };
                RunLog.Of(Context).Warning("Run {RunId}: {What}; its batch is skipped and the step retried on the next one", _setup.RunId, what);
                _skipsInFlight++;
                _run.Ask<RunReply>(new RecordSkip(skip), TimeSpan.FromMinutes(1)).PipeTo(Self, Self, r => new SkipJournaled(r, skip));
                break;
            case NonFinitePolicy.Rollback:
                RunLog.Of(Context).Warning("Run {RunId}: {What}; rolling back to the checkpoint of step {To}", _setup.RunId, what, _lastCommitted.Step);
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
        if (_rollback is not { Asked: false } rb || _inJournal.Count > 0 || _skipsInFlight > 0 || _checkpointsInFlight > 0 || Failing) return;
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
