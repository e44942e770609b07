using Stlm.Actors.Configuration;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

// The session actor's protocol (the facade, TrainingSession, speaks it). Hears: GetRunRef,
// StartTraining, PauseTraining, OverrideRequest (facade); every child's SessionEvent and the
// trainer's TrainerFinished. Says: PauseTraining and OverrideRequest to the trainer; each
// SessionEvent to the observer. Persists nothing itself (its child RunActor journals the run).

/// <summary>What the session needs before the run's config is read: the lease's timing and the RunActor's snapshot interval.</summary>
public sealed record SessionTiming(TimeSpan LeaseTtl, TimeSpan LeaseRenewEvery, int SnapshotEvery)
{
    public static SessionTiming From(Config config) =>
        new(config.GetDuration("session.lease-ttl"), config.GetDuration("session.lease-renew-every"), config.GetInt("journal.snapshot-every"));
}

/// <summary>Answered with the RunActor's ref (the session's child "run").</summary>
public sealed record GetRunRef;

/// <summary>Starts the actors that train: the run is created or resumed, the corpus ready, the evaluators' models built.</summary>
public sealed record StartTraining(TrainerSetup Setup, TrainingCorpus Corpus, RunState State, IReadOnlyList<ILanguageModel> EvaluatorModels,
    CheckpointWriteOptions Writes, IReadOnlyList<ChoiceTask> Tasks);

/// <summary>
/// Supervises one run's training in this process: the RunActor, the schedule, data loader,
/// checkpoint and evaluator actors and the trainer. Its children are never restarted (a
/// trainer restarted mid-run would lose its place): a failure stops the child and fails the
/// session. It holds the run's lease for its whole life, renewing it every
/// session.lease-renew-every. Its <see cref="LeaseFence"/> guards every journal write of the
/// session (FencedJournal) and every checkpoint commit: a lost lease stops training at once,
/// journaling nothing more, whether a renewal or a write finds out first. It
/// forwards every child's <see cref="SessionEvent"/> to the observer, and completes
/// <c>outcome</c> when the trainer is done (after releasing the lease).
/// </summary>
public sealed class SessionActor : ReceiveActor, IWithTimers
{
    sealed record RenewLease;

    sealed record LeaseRenewed(RunLease Lease);

    readonly string _runId;
    readonly SessionTiming _timing;
    readonly Action<SessionEvent>? _observer;
    readonly LeaseFence? _fence;
    readonly TaskCompletionSource<SessionOutcome> _outcome;
    readonly Func<Task<IReadOnlySet<string>>> _forkPoints;
    IActorRef _run = null!;
    IActorRef? _trainer;
    IActorRef? _checkpoints;
    Exception? _childFailure;
    bool _done;
    StepCompleted? _lastStep;

    public ITimerScheduler Timers { get; set; } = null!;

    public SessionActor(string runId, SessionTiming timing, Action<SessionEvent>? observer, LeaseFence? fence,
        Func<Task<IReadOnlySet<string>>> forkPoints, TaskCompletionSource<SessionOutcome> outcome)
    {
        (_runId, _timing, _observer, _fence, _forkPoints, _outcome) = (runId, timing, observer, fence, forkPoints, outcome);
        Receive<GetRunRef>(_ => Sender.Tell(_run, Self));
        Receive<StartTraining>(Start);
        Receive<PauseTraining>(p => _trainer?.Tell(p, Self));
        Receive<OverrideRequest>(o =>
        {
            if (_trainer is null) Sender.Tell(new Status.Failure(new Model.StlmException($"run {_runId} is not training")), Self);
            else _trainer.Forward(o);
        });
        Receive<SessionEvent>(Publish);
        Receive<TrainerFinished>(f => End(f.Outcome));
        Receive<RenewLease>(_ => RenewAsync().PipeTo(Self, Self, l => new LeaseRenewed(l)));
        Receive<LeaseRenewed>(r => _fence!.Lease = r.Lease);
        Receive<Status.Failure>(f =>
        {
            if (f.Cause is RunLeaseLostException lost)
            {
                _fence!.Lose(lost.Message);
                Abort(lost.Message);
            }
            else RunLog.Of(Context).Warning(f.Cause, "Renewing the lease of run {RunId} failed; retrying", _runId);
        });
        Receive<Terminated>(t =>
        {
            // A fenced journal write stops the RunActor: the lease is the reason, not the actor.
            if (!_done) Abort(_fence?.LostReason ?? $"the {t.ActorRef.Path.Name} actor stopped: {_childFailure?.Message.ReplaceLineEndings(" ") ?? "no reason given"}");
        });
    }

    public static Props Props(string runId, SessionTiming timing, Action<SessionEvent>? observer, LeaseFence? fence,
        Func<Task<IReadOnlySet<string>>> forkPoints, TaskCompletionSource<SessionOutcome> outcome) =>
        Akka.Actor.Props.Create(() => new SessionActor(runId, timing, observer, fence, forkPoints, outcome));

    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        _childFailure = e is ActorInitializationException { InnerException: { } cause } ? cause : e;
        return Directive.Stop;
    });

    protected override void PreStart()
    {
        _run = Context.ActorOf(RunActor.Props(_runId, _timing.SnapshotEvery), "run");
        Context.Watch(_run);
        if (_fence is not null) Timers.StartPeriodicTimer("lease", new RenewLease(), _timing.LeaseRenewEvery);
    }

    void Start(StartTraining s)
    {
        var setup = s.Setup;
        var settings = setup.Settings;
        var recipe = setup.Recipe;
        var corpus = s.Corpus;
        var context = recipe.WindowLength;
        var schedule = Context.ActorOf(ScheduleActor.Props(recipe.ScheduleSet, s.State.Overrides, s.State.Evals, settings.LrPlateau), "schedule");
        var loader = Context.ActorOf(DataLoaderActor.Props(
            () => recipe.Batches(TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, context)), settings.Prefetch), "data");
        var checkpoints = _checkpoints = Context.ActorOf(CheckpointActor.Props(settings.CheckpointsOf(_runId), _run, Self, settings.Retention, settings.KeepBestMetric,
            FenceAsync, _forkPoints, s.Writes, settings.Paths), "checkpoints");
        var evaluation = new EvaluatorSetup(() => TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, context),
            settings.EvalBatches, recipe.Training.BatchSize, settings.EvaluatorThreads, corpus.Tokenizer, s.Tasks);
        var evaluators = Context.ActorOf(EvaluatorPool.Props([.. s.EvaluatorModels.Select(model => EvaluatorActor.Props(model, evaluation))],
            s.Tasks, _run, Self), "evaluators");
        _trainer = Context.ActorOf(TrainerActor.Props(setup, _run, loader, schedule, checkpoints, evaluators, Self), "trainer");
        foreach (var child in new[] { schedule, loader, checkpoints, evaluators, _trainer }) Context.Watch(child);
        Publish(new StatusEvent(RunStatus.Running, setup.Start.Step, ""));
    }

    protected override void PostStop()
    {
        if (_done) return;
        _done = true;
        ReleaseAsync().ContinueWith(_ => _outcome.TrySetResult(new SessionOutcome(SessionEnd.Failed, _runId, -1, 0, double.NaN, null,
            "the session was stopped before training ended")), TaskScheduler.Default);
    }

    void Publish(SessionEvent e)
    {
        if (e is StepEvent step) _lastStep = step.Step;
        try
        {
            _observer?.Invoke(e);
        }
        catch (Exception ex)
        {
            RunLog.Of(Context).Warning(ex, "The session observer threw on {Event}", e.GetType().Name);
        }
    }

    async Task<bool> FenceAsync() => _fence is null || await _fence.HoldsAsync();

    async Task<RunLease> RenewAsync() => await _fence!.Store.RenewAsync(_fence.Lease, _timing.LeaseTtl);

    /// <summary>Something outside the trainer's control ended training (lost lease, a dead child): stop, journaling nothing more.</summary>
    void Abort(string reason)
    {
        if (_done) return;
        RunLog.Of(Context).Error("Run {RunId}: {Reason}", _runId, reason);
        Publish(new StatusEvent(RunStatus.Failed, _lastStep?.Step ?? -1, reason));
        End(new SessionOutcome(SessionEnd.Failed, _runId, _lastStep?.Step ?? -1, 0, _lastStep?.Loss ?? double.NaN, null, reason), drain: false);
    }

    /// <summary>
    /// Stops the children and completes the outcome once the lease is released. When the trainer
    /// ended (<paramref name="drain"/>), the checkpoint actor first handles what is in its mailbox:
    /// retention after the last evaluations the run journaled.
    /// </summary>
    void End(SessionOutcome outcome, bool drain = true)
    {
        if (_done) return;
        _done = true;
        Timers.CancelAll();
        var drained = drain && _checkpoints is { } checkpoints ? checkpoints.GracefulStop(TimeSpan.FromMinutes(5)) : Task.FromResult(true);
        foreach (var child in Context.GetChildren())
            if (!drain || !child.Equals(_checkpoints)) Context.Stop(child);
        drained.ContinueWith(_ => ReleaseAsync(), TaskScheduler.Default).Unwrap()
            .ContinueWith(_ => _outcome.TrySetResult(outcome), TaskScheduler.Default);
    }

    Task ReleaseAsync() => _fence?.ReleaseAsync() ?? Task.CompletedTask;
}
