using Akka.Persistence;
using Akka.Actor;
using Akka.Event;

namespace Stlm.Actors.Training.Run;

/// <summary>
/// The single source of truth of one run (persistence id "run-&lt;id&gt;"): checks each
/// command against the state (<see cref="RunRules"/>), journals the event, folds it with
/// <see cref="RunState.Apply"/> and answers RunAccepted, StepRechecked or RunRejected.
/// Snapshots its state every <c>snapshotEvery</c> events (config journal.snapshot-every).
/// <para>Hears: the commands of RunCommands.cs (CreateRun, RecordStep, RecordSkip, RollBack,
/// CommitCheckpoint, DeleteCheckpoint, RecordEval, OverrideSchedule, PauseRun, ResumeRun,
/// FailRun, CompleteRun, GetRunState). Says: RunAccepted / StepRechecked / RunRejected to the
/// sender; <see cref="RunJournaled"/> on the event stream after each event. Persists: every event
/// of RunEvents.cs, and RunSnapshot.</para>
/// <code>
/// var run = system.ActorOf(RunActor.Props("r-7", snapshotEvery: 1000), "run-r-7");
/// await RunActor.AskAsync(run, new CreateRun("r-7", config.ToHocon(), config.ContentHash(), seed, version));
/// await RunActor.AskAsync(run, new RecordStep(new StepCompleted { Step = 1, Loss = 10.9, Tokens = 12288 }));
/// </code>
/// </summary>
public sealed class RunActor : ReceivePersistentActor
{
    readonly string _runId;
    readonly int _snapshotEvery;
    RunState _state = RunState.Empty;

    // Where the trainer of this process stands; null until the run is created or resumed in this
    // incarnation (a fresh actor after a crash has no trainer). Re-run steps move it without events.
    long? _trainerStep;

    public RunActor(string runId, int snapshotEvery)
    {
        _runId = RunIds.Validate(runId);
        _snapshotEvery = snapshotEvery > 0 ? snapshotEvery
            : throw new ArgumentOutOfRangeException(nameof(snapshotEvery), "journal.snapshot-every must be positive");

        // The replayed events are folded at once when recovery completes (RunState.Fold appends
        // each stretch of steps in one go): a run of 100k steps recovers in the time Akka reads them.
        List<object> replayed = [];
        Recover<SnapshotOffer>(offer => _state = RunState.FromSnapshot((RunSnapshot)offer.Snapshot));
        Recover<RecoveryCompleted>(_ =>
        {
            _state = RunState.Fold(replayed, _state);
            replayed = [];
        });
        Recover<object>(e => replayed.Add(e));

        Command<GetRunState>(_ => Sender.Tell(new RunAccepted(_state)));
        Command<CreateRun>(c => Decide(() => RunRules.Create(_state, c), s => _trainerStep = s.FirstStep - 1));
        Command<RecordStep>(c => Decide(() => RunRules.Step(Existing(), _trainerStep, c.Step), _ => _trainerStep = c.Step.Step));
        Command<RecordSkip>(c => Decide(() => RunRules.Skip(Existing(), _trainerStep, c.Skip)));
        Command<RollBack>(c => Decide(() => RunRules.RollBack(Existing(), _trainerStep, c), s => _trainerStep = s.Step));
        Command<CommitCheckpoint>(c => Decide(() => RunRules.Commit(Existing(), _trainerStep, c)));
        Command<DeleteCheckpoint>(c => Decide(() => RunRules.Delete(Existing(), c)));
        Command<RecordEval>(c => Decide(() => RunRules.Eval(Existing(), c)));
        Command<OverrideSchedule>(c => Decide(() => RunRules.Override(Existing(), c)));
        Command<PauseRun>(c => Decide(() => RunRules.Pause(Existing(), c), _ => _trainerStep = null));
        Command<ResumeRun>(c => Decide(() => RunRules.Resume(Existing(), _trainerStep, c), s => _trainerStep = s.LastResumed!.Step));
        Command<FailRun>(c => Decide(() => RunRules.Fail(Existing(), c), _ => _trainerStep = null));
        Command<InterruptRun>(c => Decide(() => RunRules.Interrupt(Existing(), c), _ => _trainerStep = null));
        Command<CompleteRun>(_ => Decide(() => RunRules.Complete(Existing(), _trainerStep), _ => _trainerStep = null));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => RunLog.Of(Context).Warning(f.Cause, "snapshot of {PersistenceId} at {SequenceNr} failed", PersistenceId, f.Metadata.SequenceNr));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => RunLog.Of(Context).Warning(f.Cause, "deleting old snapshots of {PersistenceId} failed", PersistenceId));
    }

    public override string PersistenceId => RunIds.PersistenceId(_runId);

    public static Props Props(string runId, int snapshotEvery) => Akka.Actor.Props.Create(() => new RunActor(runId, snapshotEvery));

    /// <summary>With the snapshot interval from the configuration (journal.snapshot-every).</summary>
    public static Props Props(string runId, Configuration.Config config) => Props(runId, config.GetInt("journal.snapshot-every"));

    /// <summary>Asks a command and returns the state after it; a refusal throws <see cref="RunCommandRejectedException"/>.</summary>
    public static async Task<RunState> AskAsync(IActorRef run, object command, TimeSpan? timeout = null) =>
        await run.Ask<RunReply>(command, timeout ?? TimeSpan.FromSeconds(30)) switch
        {
            RunAccepted a => a.State,
            StepRechecked r => r.State,
            RunRejected r => throw new RunCommandRejectedException(r.Reason),
            var other => throw new InvalidOperationException($"unexpected reply {other}"),
        };

    // A command other than CreateRun for a run with no events is answered here, once.
    RunState Existing() => _state.Exists ? _state : throw new MissingRun(_runId);

    sealed class MissingRun(string runId) : Exception($"run {runId} does not exist");

    void Decide(Func<Decision> decide, Action<RunState>? after = null)
    {
        Decision decision;
        try
        {
            decision = decide();
        }
        catch (Exception e) when (e is MissingRun or Model.StlmException)
        {
            Sender.Tell(new RunRejected(e.Message));
            return;
        }
        if (decision.Rejection is { } why)
        {
            Sender.Tell(new RunRejected(why));
            return;
        }
        if (decision.Rechecked)
        {
            after?.Invoke(_state);
            Sender.Tell(new StepRechecked(_state.Step, _state));
            return;
        }
        Persist(decision.Event!, e =>
        {
            _state = RunState.Apply(_state, e);
            after?.Invoke(_state);
            if (LastSequenceNr % _snapshotEvery == 0)
                SaveSnapshot(_state.ToSnapshot());
            Context.System.EventStream.Publish(new RunJournaled(_runId, e, _state));
            Sender.Tell(new RunAccepted(_state));
        });
    }
}
