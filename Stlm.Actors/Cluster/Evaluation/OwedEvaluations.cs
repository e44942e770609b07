using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Model.Data;

namespace Stlm.Actors.Cluster.Evaluation;

/// <summary>Local, to <see cref="OwedEvaluations"/>: read the run's journal and hand over what it owes that is not under way.</summary>
public sealed record CheckOwed
{
    public static readonly CheckOwed Instance = new();
}

/// <summary>Local, from <see cref="OwedEvaluations"/> to its parent: the journal owes nothing (after a check).</summary>
public sealed record NothingOwed
{
    public static readonly NothingOwed Instance = new();
}

/// <summary>Journals one evaluation of the run: through its training session, or under a moment's lease when none trains it.</summary>
public delegate Task JournalEvaluation(RecordEval evaluation);

/// <summary>
/// The evaluations a run's journal owes (<see cref="RunState.PendingEvaluations"/>: a trainer
/// node commits each checkpoint with the evaluations it owes instead of scoring them), as jobs for
/// the cluster's evaluators. A child of the run's <see cref="RunEntity"/>, beside training and
/// never in its way: training goes on and evaluation falls behind. The owed list is read from the
/// journal, so after a failover the next trainer node's entity takes over what was still owed.
/// Each evaluation is cut into jobs (<see cref="EvaluationPlan"/>: held-out windows and
/// questions as one process scores them) for its <see cref="EvaluationWorkQueue"/>; each result
/// is journaled once (the queue answers each key once; a result the journal already holds is
/// rechecked, not journaled twice). A result that cannot be journaled yet (its lease is busy: a
/// session is starting) is kept and journaled at the next check.
/// Hears: CheckOwed (parent: a checkpoint was committed, the run was read), EvaluationFinished (queue).
/// Says: NothingOwed to the parent.
/// </summary>
public sealed class OwedEvaluations : ReceiveActor, IWithTimers
{
    static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(3);

    sealed record Read(RunState Run);

    sealed record ReadFailed(Exception Error);

    sealed record Planned(IReadOnlyList<Evaluation> Evaluations, IReadOnlyList<(string Hash, string Folder)> Checkpoints);

    sealed record PlanFailed(IReadOnlyList<string> Keys, Exception Error);

    sealed record Journaled(EvaluationFinished Finished, Exception? Error);

    /// <summary>What the run's evaluations are built from: its held-out split, batch shape and tasks, in this node's data folder.</summary>
    sealed record Inputs(TokenDataset HeldOut, int Batches, int BatchSize, IReadOnlyList<ChoiceTask> Tasks, DataFolderPaths Paths);

    readonly ClusterNode _node;
    readonly string _runId;
    readonly JournalEvaluation _journal;
    readonly ILoggingAdapter _log = Context.GetLogger();
    // Keys ("run@step/task") planned, in the queue, or being journaled.
    readonly HashSet<string> _underWay = new(StringComparer.Ordinal);
    // Results whose journaling failed: journaled again at the next check while the journal still owes them.
    readonly Dictionary<string, EvaluationFinished> _unjournaled = new(StringComparer.Ordinal);
    // Evaluations that failed on every attempt: not handed out again by this entity (the journal still shows them owed).
    readonly HashSet<string> _failed = new(StringComparer.Ordinal);
    readonly Queue<EvaluationFinished> _toJournal = new();
    bool _journalingNow;
    IActorRef _queue = ActorRefs.Nobody;
    Inputs? _inputs;
    readonly Lock _inputsGate = new();
    bool _reading, _readAgain;

    public ITimerScheduler Timers { get; set; } = null!;

    public OwedEvaluations(ClusterNode node, string runId, JournalEvaluation journal)
    {
        (_node, _runId, _journal) = (node, runId, journal);
        Receive<CheckOwed>(_ => Check());
        Receive<Read>(OnRead);
        Receive<ReadFailed>(f =>
        {
            _reading = false;
            _log.Warning("Run {0}: reading its owed evaluations failed ({1}); trying again", _runId, f.Error.Message);
            Timers.StartSingleTimer("check", CheckOwed.Instance, RetryEvery);
        });
        Receive<Planned>(OnPlanned);
        Receive<PlanFailed>(f =>
        {
            _log.Error(f.Error, "Run {0}: its owed evaluations cannot be prepared here: {1}", _runId, f.Error.Message);
            foreach (var key in f.Keys) { _underWay.Remove(key); _failed.Add(key); }
        });
        Receive<EvaluationFinished>(OnFinished);
        Receive<Journaled>(OnJournaled);
    }

    public static Props Props(ClusterNode node, string runId, JournalEvaluation journal) =>
        Akka.Actor.Props.Create(() => new OwedEvaluations(node, runId, journal));

    protected override void PreStart() => _queue = Context.ActorOf(EvaluationWorkQueue.Props(), "queue");

    protected override void PostStop() => _inputs?.HeldOut.Dispose();

    static string Key(string runId, long step, string task) => $"{runId}@{step}/{task}";

    void Check()
    {
        if (_reading) { _readAgain = true; return; }
        _reading = true;
        new RunJournalReader(_node.Journal.Query).LoadAsync(_runId).PipeTo(Self, success: run => new Read(run), failure: e => new ReadFailed(e));
    }

    void OnRead(Read r)
    {
        _reading = false;
        var pending = r.Run.PendingEvaluations;
        var owed = pending.ToDictionary(o => Key(_runId, o.Step, o.Task), StringComparer.Ordinal);
        foreach (var (key, finished) in _unjournaled.ToList())
        {
            _unjournaled.Remove(key);
            if (owed.ContainsKey(key)) JournalResult(finished);
            else _underWay.Remove(key);
        }
        var fresh = owed.Where(o => !_underWay.Contains(o.Key) && !_failed.Contains(o.Key)).Select(o => o.Value).ToList();
        if (fresh.Count > 0)
        {
            foreach (var o in fresh) _underWay.Add(Key(_runId, o.Step, o.Task));
            _log.Info("Run {0}: {1} evaluation(s) owed ({2}) go to the cluster's evaluators", _runId, fresh.Count, string.Join(", ", fresh));
            var run = r.Run;
            Task.Run(() => Plan(run, fresh)).PipeTo(Self,
                failure: e => new PlanFailed([.. fresh.Select(o => Key(_runId, o.Step, o.Task))], e is AggregateException { InnerException: { } inner } ? inner : e));
        }
        if (_readAgain)
        {
            _readAgain = false;
            Check();
        }
        else if (_underWay.Count == 0 && owed.Keys.All(_failed.Contains)) Context.Parent.Tell(NothingOwed.Instance);
    }

    Planned Plan(RunState run, IReadOnlyList<OwedEvaluation> owed)
    {
        Inputs inputs;
        lock (_inputsGate) inputs = _inputs ??= InputsOf(run);
        var journaledDataDir = DataFolderPaths.JournaledDataDir(run);
        var evaluations = owed.Select(o => o.Task == EvaluationPlan.HeldOutTask
                ? EvaluationPlan.HeldOut(_runId, o.Step, o.Checkpoint.Hash, o.Checkpoint.Path, inputs.HeldOut, inputs.Batches, inputs.BatchSize, batchesPerJob: 1)
                : EvaluationPlan.Choice(_runId, o.Step, o.Checkpoint.Hash, o.Checkpoint.Path, o.Task,
                    (inputs.Tasks.FirstOrDefault(t => t.Name == o.Task) ?? throw new Model.StlmException($"run {_runId} owes {o} but its eval.tasks have no {o.Task}")).Items))
            .ToList();
        var checkpoints = owed.Select(o => o.Checkpoint).Distinct()
            .Select(c => (c.Hash, inputs.Paths.Resolve(c.Path, journaledDataDir))).ToList();
        return new Planned(evaluations, checkpoints);
    }

    /// <summary>The run's journaled config, moved into this node's data folder (its corpus is prepared here when missing).</summary>
    Inputs InputsOf(RunState run)
    {
        var paths = new DataFolderPaths(_node.DataDir);
        var config = paths.Relocate(run.Created!.Config());
        var recipe = TrainingRecipe.From(config);
        var settings = SessionSettings.From(config);
        var corpus = recipe.PrepareCorpus(CancellationToken.None);
        var heldOut = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, recipe.WindowLength);
        return new Inputs(heldOut, settings.EvalBatches, recipe.Training.BatchSize, ChoiceTask.Load(settings.Tasks), paths);
    }

    void OnPlanned(Planned p)
    {
        // This node's checkpoint source serves them to evaluators that lack them (they fetch from the queue's node first).
        var source = _node.System.ActorSelection("/user/" + CheckpointSourceActor.Name);
        foreach (var (hash, folder) in p.Checkpoints) source.Tell(new ServeCheckpoint(hash, folder));
        _queue.Tell(new EvaluateCheckpoint(p.Evaluations), Self);
    }

    void OnFinished(EvaluationFinished f)
    {
        if (f.Result is null)
        {
            _log.Warning("Run {0}: evaluation {1} failed on the cluster: {2}; it stays owed", _runId, f.Evaluation.Key, f.Problem);
            _underWay.Remove(f.Evaluation.Key);
            _failed.Add(f.Evaluation.Key);
            return;
        }
        JournalResult(f);
    }

    /// <summary>One at a time: outside a session each takes the run's lease for a moment, and two would keep each other out.</summary>
    void JournalResult(EvaluationFinished f)
    {
        _toJournal.Enqueue(f);
        if (!_journalingNow) JournalNext();
    }

    void JournalNext()
    {
        if (!_toJournal.TryDequeue(out var f))
        {
            _journalingNow = false;
            return;
        }
        _journalingNow = true;
        _journal(new RecordEval(f.Evaluation.Step, f.Evaluation.Task, f.Result!.Metrics))
            .PipeTo(Self, success: () => new Journaled(f, null), failure: e => new Journaled(f, e is AggregateException { InnerException: { } inner } ? inner : e));
    }

    void OnJournaled(Journaled j)
    {
        JournalNext();
        var key = j.Finished.Evaluation.Key;
        if (j.Error is { } error)
        {
            if (error is RunCommandRejectedException)
            {
                // E.g. its step was rolled back: the journal decides, and says why.
                _log.Warning("Run {0}: evaluation {1} was not journaled: {2}", _runId, key, error.Message);
                _underWay.Remove(key);
                _failed.Add(key);
                return;
            }
            _log.Info("Run {0}: evaluation {1} not journaled yet ({2}); trying again", _runId, key, error.Message.ReplaceLineEndings(" "));
            _unjournaled[key] = j.Finished;
            Timers.StartSingleTimer("check", CheckOwed.Instance, RetryEvery);
            return;
        }
        _log.Info("Run {0}: evaluation {1} journaled: {2}", _runId, key, string.Join(", ", j.Finished.Result!.Metrics.Select(m => $"{m.Key} {m.Value:G6}")));
        _underWay.Remove(key);
        if (_underWay.Count == 0) Check();
    }
}
