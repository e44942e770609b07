using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Model;

namespace Stlm.Actors.Cluster;

/// <summary>
/// One run on a trainer node: the sharded entity (<see cref="RunSharding"/>) that trains the run
/// here, in a <see cref="TrainingSession"/> of this process, for as long as the run is owed
/// training. Owed means: journaled as running with no trainer (it was just created or resumed for
/// the cluster, or its trainer node died), or paused <see cref="Waiting"/>. A run paused by an
/// operator, completed or failed is not: the entity answers so and passivates (and is forgotten).
/// Before the session starts, the checkpoint it resumes from is made local (<see cref="CheckpointCopies"/>:
/// fetched from another member when nodes share no folder); when no member that is up holds it, the
/// run waits with the reason and is tried again, never started from another checkpoint.
/// A data-parallel run (training.data-parallel.world-size = N) takes N slots: rank 0 is the
/// session here, and ranks 1.. are placed on the trainer nodes with room (<see cref="ClusterRanks"/>),
/// told this node's cluster host name as rank 0's address. A rank lost (its node died) interrupts
/// the session; the run is still owed training, so the entity places all ranks again and resumes
/// it from its last checkpoint.
/// Hears: <see cref="TrainRun"/> (answered <see cref="RunPlaced"/> once it is clear whether the
/// run trains here), <see cref="HandOff"/> (sharding, when this node leaves: pause at a checkpoint
/// as <see cref="Waiting"/>, so the next node resumes it), and its own steps below.
/// Persists nothing itself: the session journals as always, under the run's lease and fence; a run
/// that must wait is journaled Paused(<see cref="Waiting"/> …) through <see cref="IdleRunControl"/>.
/// `stlm pause`/`stlm set` reach the session through the run_control table (<see cref="RunControlListener"/>).
/// Its child <see cref="OwedEvaluations"/> hands the evaluations the run's checkpoints owe to the
/// cluster's evaluators and journals their results (through the session while one trains the run,
/// else under a moment's lease); a run that is not owed training stays here until none is owed.
/// </summary>
public sealed partial class RunEntity : ReceiveActor, IWithTimers
{
    /// <summary>The start of the reason of a Paused the cluster journals for a run it owes training.</summary>
    public const string Waiting = "waiting for a trainer node";

    static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(3);

    /// <summary>True when the run is paused by the cluster (waiting for room, or moving), not by an operator.</summary>
    public static bool IsWaiting(RunState run) => run.Status == RunStatus.Paused && run.StatusReason.StartsWith(Waiting, StringComparison.Ordinal);

    /// <summary>Sharding's hand-off stop message: this node is leaving.</summary>
    public sealed class HandOff
    {
        public static readonly HandOff Instance = new();
    }

    sealed class Stop
    {
        public static readonly Stop Instance = new();
    }

    sealed class ReadAgain
    {
        public static readonly ReadAgain Instance = new();
    }

    sealed record Read(RunState Run);

    sealed record SlotAnswer(RunState Run, TrainerSlots.Grant Grant);

    sealed record FetchingCheckpoint(StartCheckpoint Start);

    sealed record CheckpointHere(RunState Run, StartCheckpoint? Start);

    sealed record CheckpointMissing(RunState Run, StartCheckpoint Start, string Why);

    sealed record RanksPlaced(RunState Run, int WorldSize, RankPlacement Placement);

    sealed record Started(TrainingSession Session, RunControlListener Listener);

    sealed record StartFailed(Exception Error);

    sealed record Ended(SessionOutcome Outcome);

    readonly ClusterNode _node;
    readonly string _runId;
    readonly IActorRef _slots;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly List<IActorRef> _askers = [];
    readonly SessionEvents _events = new();
    // Ends a fetch of the start checkpoint still going when the entity stops.
    readonly CancellationTokenSource _stopping = new();
    TrainingSession? _session;
    ClusterRanks? _ranks;
    // The session evaluations are journaled through (read from the journaling task's thread).
    volatile TrainingSession? _journaling;
    IActorRef _owed = ActorRefs.Nobody;
    int _snapshotEvery = 1000;
    bool _starting;
    // Why the run waits for its checkpoint (logged when it changes), or null.
    string? _waitingFor;
    bool _handingOff;
    // Not owed training, only evaluations: passivates once NothingOwed.
    bool _onlyEvaluating;
    // The run trains on a GPU (its slot is one of a GPU node's devices), and which one it was given.
    bool _onGpu;
    Model.LibTorch.Device? _device;
    // training.data-parallel.world-size: ranks 1.. go to other trainer slots.
    int _worldSize = 1;

    public ITimerScheduler Timers { get; set; } = null!;

    public RunEntity(ClusterNode node, string runId, IActorRef slots)
    {
        _node = node;
        _runId = runId;
        _slots = slots;
        Deciding();
    }

    public static Props Props(ClusterNode node, string runId, IActorRef slots) =>
        Akka.Actor.Props.Create(() => new RunEntity(node, runId, slots));

    string Here => _node.Address.ToString();

    protected override void PreStart()
    {
        _owed = Context.ActorOf(OwedEvaluations.Props(_node, _runId, JournalEvaluationAsync), "evaluations");
        ReadRun();
    }

    /// <summary>Through the session that trains the run here, or (none does) as a command to the idle run, under its lease for a moment.</summary>
    Task JournalEvaluationAsync(RecordEval evaluation) => _journaling is { Completion.IsCompleted: false } session
        ? session.RecordEvalAsync(evaluation)
        : IdleRunControl.ApplyAsync(_node.Journal, _runId, evaluation, _snapshotEvery);

    void ReadRun() => new RunJournalReader(_node.Journal.Query).LoadAsync(_runId).PipeTo(Self, success: run => new Read(run),
        failure: e => new StartFailed(e));

    /// <summary>Reading the run, then asking this node for a slot: is it owed training, and is there room?</summary>
    void Deciding()
    {
        Receive<TrainRun>(_ =>
        {
            _askers.Add(Sender);
            if (!_onlyEvaluating) return;
            _onlyEvaluating = false;
            ReadRun();
        });
        Receive<Read>(r =>
        {
            var runConfig = r.Run.Created?.Config();
            if (runConfig is not null) _snapshotEvery = runConfig.GetInt("journal.snapshot-every");
            _owed.Tell(CheckOwed.Instance);
            if (NotOwed(r.Run) is { } why)
            {
                Answer(false, why, declined: true);
                if (r.Run.PendingEvaluations.Count > 0) _onlyEvaluating = true;
                else Passivate();
                return;
            }
            _onGpu = RunDevice.TrainsOnGpu(runConfig!);
            _worldSize = runConfig!.GetInt("training.data-parallel.world-size");
            _slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take(_runId, Self, _onGpu), TimeSpan.FromSeconds(10))
                .PipeTo(Self, success: grant => new SlotAnswer(r.Run, grant), failure: e => new StartFailed(e));
        });
        Receive<SlotAnswer>(a =>
        {
            if (_handingOff) { Release(); Context.Stop(Self); return; }
            if (!a.Grant.Granted) { WaitForRoom(a.Run, a.Grant.Why); return; }
            _device = a.Grant.Device;
            MakeStartCheckpointLocal(a.Run);
        });
        Receive<FetchingCheckpoint>(f =>
        {
            if (_waitingFor is null) _log.Info("run {0}: {1} has no copy of its checkpoint at step {2}; fetching it from another node", _runId, Here, f.Start.Step);
            Answer(true, $"fetching its checkpoint at step {f.Start.Step} from another node");
        });
        Receive<CheckpointMissing>(m =>
        {
            Release();
            if (_handingOff) { Context.Stop(Self); return; }
            WaitForCheckpoint(m);
        });
        Receive<CheckpointHere>(h =>
        {
            if (_handingOff) { Release(); Context.Stop(Self); return; }
            if (_waitingFor is not null) _log.Info("run {0}: its checkpoint at step {1} is on {2} now", _runId, h.Start?.Step, Here);
            _waitingFor = null;
            if (_worldSize > 1)
            {
                var worldSize = _worldSize;
                ClusterRanks.PlaceAsync(_node, _runId, worldSize, h.Start, _onGpu)
                    .PipeTo(Self, success: placement => new RanksPlaced(h.Run, worldSize, placement), failure: e => new StartFailed(e));
                return;
            }
            Answer(true, "starting: preparing its data and model");
            StartSession();
        });
        Receive<RanksPlaced>(p =>
        {
            _ranks = p.Placement.Ranks;
            if (_handingOff) { Release(); Context.Stop(Self); return; }
            if (_ranks is null)
            {
                Release();
                WaitForRoom(p.Run, p.Placement.Why ?? $"{p.WorldSize} ranks need {p.WorldSize} free trainer {SlotKind} and the reachable trainer nodes have fewer");
                return;
            }
            _log.Info("run {0}: rank 0 on {1}, {2}", _runId, Here, string.Join(", ", _ranks.Placed.Select(r => $"rank {r.Key} on {r.Value}")));
            Answer(true, $"starting {p.WorldSize} ranks: preparing its data and model");
            StartSession();
        });
        Receive<ReadAgain>(_ => ReadRun());
        Receive<StartFailed>(f => StartFailedHere(f.Error));
        Receive<Started>(s => Training(s));
        CommonToAll();
    }

    static string? NotOwed(RunState run) =>
        !run.Exists ? $"there is no run {run.RunId} in the journal"
        : run.IsTerminal ? $"run {run.RunId} is {run.Status.ToString().ToLowerInvariant()} at step {run.Step}"
        : run.Status == RunStatus.Paused && !IsWaiting(run) ? $"run {run.RunId} is paused ({run.StatusReason}) at step {run.Step}; `stlm resume {run.RunId}` trains it again"
        : null;

    /// <summary>What the run's slots are, in words.</summary>
    string SlotKind => _onGpu ? "GPUs" : "CPU slots";

    void StartSession()
    {
        _starting = true;
        var stores = new TrainingStores(_node.Journal, new RunLeaseStore(_node.Journal.Dialect), ownsJournal: false);
        var owed = _owed;
        var options = new TrainingSessionOptions(stores)
        {
            DataDir = _node.DataDir,
            Device = _device,
            CheckpointCopy = _node.Checkpoints.Find,
            LaunchRanks = _ranks is null ? null : _ranks.Launch,
            RendezvousHost = _node.Settings.Host,
            EvaluatesOnCluster = true,
            Observer = e =>
            {
                _events.Observe(e);
                // A committed checkpoint owes its evaluations: hand them out now.
                if (e is CheckpointEvent) owed.Tell(CheckOwed.Instance);
            },
        };
        var control = new RunControlStore(_node.Journal.Dialect);
        Task.Run(async () =>
        {
            var session = await TrainingSession.Resume(_runId, options);
            var target = _events.Attach(session);
            return new Started(session, RunControlListener.Start(control, _runId, target));
        }).PipeTo(Self, failure: e => new StartFailed(e));
    }

    void StartFailedHere(Exception error)
    {
        _starting = false;
        Release();
        if (_handingOff) { Context.Stop(Self); return; }
        var e = error is AggregateException { InnerException: { } inner } ? inner : error;
        if (e is RunLeaseRefusedException refused)
        {
            // Another process trains it, or its dead trainer's lease has not expired yet (another machine): try again soon.
            _log.Info("run {0} waits for its lease: {1}", _runId, refused.Message);
            Answer(false, $"waiting for the run's lease: {refused.Message}");
            Timers.StartSingleTimer("retry", ReadAgain.Instance, RetryEvery);
            return;
        }
        _log.Error(e, "run {0} cannot start on {1}: {2}", _runId, Here, e.Message);
        Answer(false, $"run {_runId} cannot start on {Here}: {e.Message}", declined: true);
        Passivate();
    }

    void Training(Started started)
    {
        _starting = false;
        _session = _journaling = started.Session;
        _log.Info("run {0} trains on {1} from step {2}", _runId, Here, _session.StartStep);
        Answer(true, $"training from step {_session.StartStep}");
        if (_handingOff) PauseForHandOff();
        var target = _events.Target!;
        _session.Completion.ContinueWith(async t =>
        {
            await started.Listener.StopAsync(r => target.Last(r, t.Result));
            await started.Session.DisposeAsync();
            return new Ended(t.Result);
        }).Unwrap().PipeTo(Self);
        Become(() =>
        {
            Receive<TrainRun>(_ => Sender.Tell(new RunPlaced(_runId, Here, true, false, $"training at step {_events.Step}")));
            Receive<Ended>(e =>
            {
                _session = _journaling = null;
                Release();
                _log.Info("run {0} on {1}: {2} at step {3} {4}", _runId, Here, e.Outcome.End, e.Outcome.Step, e.Outcome.Reason);
                if (_handingOff) { Context.Stop(Self); return; }
                // Whatever ended it, the journal says whether the run is still owed training (e.g. a session that lost its lease is not).
                Become(Deciding);
                Timers.StartSingleTimer("retry", ReadAgain.Instance, TimeSpan.FromSeconds(1));
            });
            CommonToAll();
        });
    }

    void CommonToAll()
    {
        Receive<HandOff>(_ =>
        {
            _handingOff = true;
            // A session being started is paused as soon as it is there (Training).
            if (_session is not null) PauseForHandOff();
            else if (!_starting) { Release(); Context.Stop(Self); }
        });
        Receive<Stop>(_ => Context.Stop(Self));
        Receive<NothingOwed>(_ =>
        {
            if (_onlyEvaluating) Passivate();
        });
    }

    void PauseForHandOff() => _session?.RequestPause($"{Waiting}: {Here} left the cluster");

    void Answer(bool training, string reason, bool declined = false)
    {
        foreach (var asker in _askers) asker.Tell(new RunPlaced(_runId, Here, training, declined, reason));
        _askers.Clear();
    }

    void Release()
    {
        _slots.Tell(new TrainerSlots.Release(_runId));
        _ranks?.Dispose();
        _ranks = null;
    }

    void Passivate() => Context.Parent.Tell(new Passivate(Stop.Instance));

    protected override void PostStop()
    {
        _stopping.Cancel();
        // Stopped while training (the node is going down): as after a crash, the lease goes and the run resumes elsewhere.
        if (_session is { } session) _ = session.DisposeAsync().AsTask();
        _ranks?.Dispose();
    }
}
