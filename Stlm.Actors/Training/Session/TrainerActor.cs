using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.DataParallel;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Training;
using Cursor = Stlm.Model.Data.DataCursor;

namespace Stlm.Actors.Training.Session;

// The trainer's protocol. Hears: StepBatch (data loader), ScheduleAnnounced (schedule),
// RunAccepted/StepRechecked/RunRejected (RunActor), CheckpointDone/Failed (checkpoint actor),
// EvalDone (evaluator pool), PauseTraining and OverrideRequest (session, schedule's policies).
// Says: RecordStep, RecordSkip, RollBack, OverrideSchedule, PauseRun/CompleteRun/FailRun (RunActor);
// WriteCheckpoint (checkpoint actor); EvaluateWeights (pool); AddOverride (schedule);
// LoadFrom/BatchesWanted (data loader); session events and TrainerFinished (session).
// Persists nothing itself: every event goes through the RunActor. States: TrainerActor.States.cs.

/// <summary>Finish the current step, checkpoint, journal Paused, stop.</summary>
public sealed record PauseTraining(string Reason);

/// <summary>
/// An operator's schedule change (what: lr, dropout, layer-dropout, exit-loss-scale; value "3e-4"
/// or "*0.5"); from the next step the trainer has not started when null. The sender gets the
/// journaled <see cref="ScheduleOverridden"/> or a <see cref="Status.Failure"/>.
/// </summary>
public sealed record OverrideRequest(string What, string Value, long? FromStep, string DecidedBy = "");

/// <summary>Where training starts: after step <paramref name="Step"/>, from a committed checkpoint or (null path) the run's initial weights.</summary>
public sealed record StartPoint(long Step, string? CheckpointPath, string CheckpointHash)
{
    /// <summary>The checkpoint was opened and checked already in this start (the session need not read it all again).</summary>
    public bool Verified { get; init; }
}

/// <summary>
/// Everything the trainer is built from; <paramref name="BeforeStep"/> is a fault-injection hook
/// for tests; <paramref name="TasksAtStart"/>: eval.tasks the run's own start checkpoint has no
/// results for (a pause's checkpoint, or evaluations a crash cut off), scored before training.
/// </summary>
public sealed record TrainerSetup(
    string RunId,
    TrainingRecipe Recipe,
    string ConfigText,
    string CodeVersion,
    SessionSettings Settings,
    StartPoint Start,
    Action<long, ILanguageModel>? BeforeStep = null,
    IReadOnlyList<string>? TasksAtStart = null)
{
    /// <summary>Where the trainer marks its start: model built, checkpoint loaded, first batch, first step.</summary>
    public StartupTimeline? Timeline { get; init; }

    /// <summary>The tokenizer files kept beside the run's checkpoints, named in each checkpoint.json.</summary>
    public CheckpointTokenizer? Tokenizer { get; init; }

    /// <summary>
    /// A trainer node's run: a checkpoint's evaluations are journaled as owed with it
    /// (CheckpointCommitted.EvalsOwed) for the cluster's evaluators instead of scored here, and
    /// nothing waits for them. Evaluations between checkpoints (eval.every-steps) stay here.
    /// </summary>
    public bool EvaluatesOnCluster { get; init; }

    /// <summary>Rank 0 of a data-parallel run: the other ranks load, step and checkpoint with this trainer (null: one process).</summary>
    public RankLeader? Ranks { get; init; }
}

/// <summary>The trainer is done: how it ended and where it stood.</summary>
public sealed record TrainerFinished(SessionOutcome Outcome);

/// <summary>
/// Owns the model and the optimizer (built by <see cref="TrainingRecipe"/>) and runs
/// <see cref="TrainStep.Run"/> on its own thread, one step per message so pauses and overrides
/// come in between steps. It needs three things per step: the step's batch (from the data
/// loader, prefetched), the schedules (announced by the schedule actor) and room in the journal
/// pipeline: each step is told to the RunActor as RecordStep without waiting, and at most
/// session.max-unjournaled-steps may await their answer. A crash loses only those, and a resume
/// re-runs and rechecks them against the journal. A refused step (a re-run whose loss differs
/// from the journal's) fails the run. Every checkpoint.every-steps steps it captures a
/// checkpoint (the only part it waits for) and hands it to the checkpoint actor; every
/// eval.every-steps steps and at each checkpoint it hands a copy of the weights to the
/// evaluators (held-out, and at checkpoints the eval.tasks too: see TrainerActor.Evaluations).
/// A non-finite loss is handled by session.on-non-finite (see NonFiniteHandling).
/// </summary>
public sealed partial class TrainerActor : ReceiveActor
{
    sealed record TrainNext
    {
        public static readonly TrainNext Instance = new();
    }

    sealed record FinalAnswer(SessionEnd End, RunState? State, string Reason);

    readonly TrainerSetup _setup;
    readonly IActorRef _run, _loader, _schedule, _checkpoints, _evaluators, _reporter;
    readonly Queue<StepBatch> _batches = new();
    // Steps told to the RunActor and not yet answered; it answers in order.
    readonly Queue<StepCompleted> _inJournal = new();

    ILanguageModel _model = null!;
    Optimizer _optimizer = null!;
    TrainStep _step = null!;
    ScheduleAnnounced? _schedules;
    int _awaitedScheduleVersion;
    int _generation;
    // Dropped after the first step: later marks could not move a phase anyway, and the step loop need not take the timeline's lock.
    StartupTimeline? _startup;

    long _nextStep;
    Cursor _cursor = Cursor.Start;
    long _tokens;
    double _lastLoss = double.NaN;
    double? _heldOutBpb;
    long _heldOutBpbStep = -1;
    long _lastCheckpointed;
    readonly System.Diagnostics.Stopwatch _sinceCheckpoint = System.Diagnostics.Stopwatch.StartNew();
    StartPoint _lastCommitted;

    int _checkpointsInFlight, _evalsInFlight, _overridesInFlight;
    bool _posted;

    public TrainerActor(TrainerSetup setup, IActorRef run, IActorRef loader, IActorRef schedule, IActorRef checkpoints, IActorRef evaluators, IActorRef reporter)
    {
        _setup = setup;
        _startup = setup.Timeline;
        (_run, _loader, _schedule, _checkpoints, _evaluators, _reporter) = (run, loader, schedule, checkpoints, evaluators, reporter);
        _lastCommitted = setup.Start;

        Become(Training);
    }

    public static Props Props(TrainerSetup setup, IActorRef run, IActorRef loader, IActorRef schedule, IActorRef checkpoints, IActorRef evaluators, IActorRef reporter) =>
        Akka.Actor.Props.Create(() => new TrainerActor(setup, run, loader, schedule, checkpoints, evaluators, reporter)).WithDispatcher(Persistence.StlmAkka.PinnedDispatcher);

    long MaxSteps => _setup.Recipe.Training.MaxSteps;

    long CurrentStep => _nextStep - 1;

    protected override void PreStart()
    {
        _schedule.Tell(new SubscribeSchedule(), Self);
        try
        {
            LoadState(_setup.Start);
            var model = _setup.Recipe.Model;
            var ranks = _setup.Recipe.WorldSize > 1 ? $"{_setup.Recipe.WorldSize} ranks x " : "";
            RunLog.Of(Context).Info("Training a {Params:N0}-parameter {Architecture} ({Shape}) from step {Step}: {Steps} steps of {Batch} sequences",
                _model.Module.CountParameters().Total, model.Architecture, $"{model.NLayers} layers, d-model {model.DModel}, context {model.ContextLength}",
                _setup.Start.Step, MaxSteps, $"{ranks}{_setup.Recipe.Training.BatchSize}x{_setup.Recipe.Training.GradAccum}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Nothing was trained: the run stays resumable once the cause is fixed, so nothing is journaled.
            _finishing = new Finish(SessionEnd.Failed, e.Message);
            Become(Stopped);
            _reporter.Tell(new TrainerFinished(new SessionOutcome(SessionEnd.Failed, _setup.RunId, _setup.Start.Step, 0, double.NaN, null,
                $"training could not start from step {_setup.Start.Step}: {e.Message.ReplaceLineEndings(" ")}")), Self);
            return;
        }
        EvaluateStart();
        if (CurrentStep >= MaxSteps) BeginFinish(new Finish(SessionEnd.Completed, ""));
    }

    protected override void PostStop()
    {
        _setup.Ranks?.Dispose();
        _optimizer?.Dispose();
    }

    /// <summary>Builds the model and optimizer (seeding the generators) and restores the start point's checkpoint into them.</summary>
    void LoadState(StartPoint start)
    {
        _optimizer?.Dispose();
        _model = _setup.Recipe.BuildModel();
        _optimizer = _setup.Recipe.BuildOptimizer(_model);
        _step = _setup.Recipe.BuildStep(_model, _optimizer);
        _startup?.Mark("trainer model");
        _cursor = Cursor.Start;
        _tokens = 0;
        if (start.CheckpointPath is { } path)
        {
            var info = Model.Checkpoints.Checkpoint.Open(path, start.CheckpointHash).Restore(_model.Module.StateDict(), _optimizer);
            if (info.Step != start.Step)
                throw new Model.StlmException($"checkpoint {path} holds step {info.Step} but the journal names it as step {start.Step}; the checkpoints folder was changed by hand");
            _cursor = info.Cursor;
            _tokens = info.TokensSeen;
            _startup?.Mark("checkpoint load");
        }
        _setup.Ranks?.Attach(_model, _optimizer, start.Step, start.CheckpointPath, start.CheckpointHash);
        _nextStep = start.Step + 1;
        _lastCheckpointed = start.Step;
        ForgetEvaluatedSteps();
        _batches.Clear();
        _generation++;
        _loader.Tell(new LoadFrom(_cursor, _generation), Self);
    }

    bool CanStep =>
        _finishing is null && _schedules is { } s && s.Version >= _awaitedScheduleVersion && _batches.Count > 0
        && _inJournal.Count + _skipsInFlight < _setup.Settings.MaxUnjournaledSteps && _nextStep <= MaxSteps
        && _overridesInFlight == 0 && _rollback is null;

    /// <summary>Posts one TrainNext at a time, so other messages interleave with steps.</summary>
    void Pump()
    {
        if (_posted || !CanStep) return;
        _posted = true;
        Self.Tell(TrainNext.Instance, Self);
    }

    /// <summary>After anything that may unblock training or finishing.</summary>
    void Continue()
    {
        TryRollback();
        if (_finishing is not null) TryFinish();
        else Pump();
    }

    void OnTrainNext()
    {
        _posted = false;
        if (!CanStep) return;
        try
        {
            TrainOneStep();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            FailStep($"step {_nextStep} failed", e);
            return;
        }
        Continue();
    }

    void TrainOneStep()
    {
        var batch = _batches.Dequeue();
        _loader.Tell(new BatchesWanted(1, _generation), Self);
        var n = _nextStep;
        var values = _schedules!.At(n);
        RememberRng();
        _setup.BeforeStep?.Invoke(n, _model);
        var result = _setup.Ranks?.Run(n, batch.From, values, batch.MicroBatches, SkipsBatches)
            ?? _step.Run(values, batch.MicroBatches, skipNonFinite: SkipsBatches);
        _startup?.Mark("first step");
        _startup = null;
        if (!result.IsFinite)
        {
            OnNonFinite(n, batch, result);
            return;
        }
        _cursor = batch.Next;
        _tokens += result.Tokens;
        _lastLoss = result.Loss;
        _nextStep = n + 1;
        var e = new StepCompleted
        {
            Step = n, Tokens = result.Tokens, Loss = result.Loss, Lr = result.LearningRate, Dropout = result.Dropout,
            GradNorm = result.GradNorm, StepTimeMs = result.Elapsed.TotalMilliseconds,
            Cursor = new DataCursor { Epoch = batch.Next.Epoch, Position = batch.Next.Position },
        };
        // The answer comes back as a message: the next step starts without waiting for the write.
        _inJournal.Enqueue(e);
        _run.Tell(new RecordStep(e), Self);

        var settings = _setup.Settings;
        // Wall-clock checkpoints bound the work a crash loses; which steps they land on does not change the trajectory.
        var checkpoint = (settings.CheckpointEvery > 0 && n % settings.CheckpointEvery == 0)
            || (settings.CheckpointEveryDuration > TimeSpan.Zero && _sinceCheckpoint.Elapsed >= settings.CheckpointEveryDuration);
        if (checkpoint) Checkpoint(evaluate: true);
        else if (settings.EvalEvery > 0 && n % settings.EvalEvery == 0) Evaluate(withTasks: false);
        if (_nextStep > MaxSteps) BeginFinish(new Finish(SessionEnd.Completed, ""));
    }

    void OnJournaled(RunReply reply)
    {
        var step = _inJournal.Dequeue();
        switch (reply)
        {
            case RunAccepted:
                _reporter.Tell(new StepEvent(step, Rechecked: false), Self);
                break;
            case StepRechecked:
                _reporter.Tell(new StepEvent(step, Rechecked: true), Self);
                break;
            case RunRejected r:
                Fail(r.Reason);
                break;
        }
        Continue();
    }

    /// <summary>Captures the state after the current step (the only part training waits for) and hands it to the checkpoint actor.</summary>
    void Checkpoint(bool evaluate)
    {
        // Evaluations first: the checkpoint actor must know whether the keep-best metric of this step is on its way.
        var owed = evaluate && _setup.EvaluatesOnCluster ? OweEvaluations() : null;
        if (evaluate && owed is null) Evaluate(withTasks: true);
        var metricPending = owed is null ? MetricPendingAt(CurrentStep) : _setup.Settings.Retention.KeepBest > 0 && owed.Contains(_setup.Settings.KeepBestMetric.Task);
        var info = CheckpointInfo.Create(_setup.RunId, CurrentStep, _tokens, _cursor, _setup.ConfigText, _setup.CodeVersion) with { Tokenizer = _setup.Tokenizer };
        var snapshot = CheckpointSnapshot.Capture(info, _model.Module.StateDict(), _optimizer, _setup.Ranks?.CheckpointGenerators(CurrentStep, _model));
        _lastCheckpointed = CurrentStep;
        _sinceCheckpoint.Restart();
        _checkpointsInFlight++;
        _checkpoints.Tell(new WriteCheckpoint(snapshot, metricPending, owed), Self);
    }

    void OnCheckpointDone(CheckpointDone d)
    {
        _checkpointsInFlight--;
        if (_lastCommitted.Step <= d.Step)
            _lastCommitted = new StartPoint(d.Step, d.Written.Path, d.Written.ContentHash);
        Continue();
    }
}
