using System.Globalization;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;

namespace Stlm.Actors.Training.Session;

// The checkpoint actor's protocol.

/// <summary>
/// A captured state to write (the checkpoint actor disposes it once written).
/// <paramref name="MetricPending"/>: its keep-best metric is being evaluated, so retention keeps
/// it until the run journals that value (an EvalCompleted of its step). <paramref name="EvalsOwed"/>:
/// its evaluations handed to the cluster, journaled with the commit (CheckpointCommitted.EvalsOwed).
/// </summary>
public sealed record WriteCheckpoint(CheckpointSnapshot Snapshot, bool MetricPending = false, IReadOnlyList<string>? EvalsOwed = null);

/// <summary>The checkpoint is durable and journaled (CheckpointCommitted); <paramref name="State"/> is the run after it.</summary>
public sealed record CheckpointDone(long Step, CommittedCheckpoint Written, RunState State);

/// <summary>Writing or committing failed: the run cannot rely on this checkpoint.</summary>
public sealed record CheckpointFailed(long Step, string Reason);

/// <summary>
/// Writes checkpoints on its own thread while training goes on, commits them, and decides which
/// old ones go (retention).
/// <para>Hears: <see cref="WriteCheckpoint"/> (trainer); <see cref="RunJournaled"/> (the run's
/// events, from the event stream: an EvalCompleted of a keep-best metric re-runs retention).
/// Says: CommitCheckpoint and DeleteCheckpoint to the RunActor; <see cref="CheckpointDone"/> or
/// <see cref="CheckpointFailed"/> to the trainer; CheckpointEvent and CheckpointDeletedEvent to
/// the session. Persists (through the RunActor): CheckpointCommitted, CheckpointDeleted.</para>
/// The trainer only waits for <see cref="CheckpointSnapshot.Capture"/>. Each write is atomic and
/// durable (temp + fsync + rename); only then, after the fencing check (this session still holds
/// the run's lease), is it committed. Then the retention policy runs on the run's state: each
/// checkpoint it drops is journaled CheckpointDeleted before its folder goes (never a fork
/// point, never the newest). keep-best ranks by checkpoint.keep-best-metric; a checkpoint whose
/// value is still being evaluated is never dropped until the run journals it, nor is one that owes
/// the cluster's evaluators evaluations (CheckpointCommitted.EvalsOwed). On start it
/// removes temp folders of dead writers.
/// </summary>
public sealed class CheckpointActor : ReceiveActor
{
    readonly string _directory;
    readonly IActorRef _run;
    readonly IActorRef _reporter;
    readonly RetentionPolicy _retention;
    readonly Func<Task<bool>> _fence;
    readonly Func<Task<IReadOnlySet<string>>> _forkPoints;
    readonly CheckpointWriteOptions _writes;
    readonly DataFolderPaths? _paths;
    string? _journaledDataDir;
    readonly EvalMetricName _metric;
    // Steps whose keep-best metric is still being evaluated.
    readonly HashSet<long> _awaitingMetric = [];
    // The newest state of the run this actor has seen (its own answers and the run's events).
    RunState _state = RunState.Empty;

    public CheckpointActor(string directory, IActorRef run, IActorRef reporter, RetentionPolicy retention, EvalMetricName metric,
        Func<Task<bool>> fence, Func<Task<IReadOnlySet<string>>> forkPoints, CheckpointWriteOptions writes, DataFolderPaths? paths = null)
    {
        _paths = paths;
        _metric = metric;
        _writes = writes;
        _directory = directory;
        _run = run;
        _reporter = reporter;
        _retention = retention;
        _fence = fence;
        _forkPoints = forkPoints;
        Receive<WriteCheckpoint>(Write);
        Context.System.EventStream.Subscribe(Self, typeof(RunJournaled));
        Receive<RunJournaled>(j =>
        {
            Saw(j.State);
            if (j.Event is EvalCompleted eval && ((eval.Task == _metric.Task && _awaitingMetric.Contains(eval.Step))
                    || j.State.Checkpoints.Any(c => c.Step == eval.Step && c.EvalsOwed.Count > 0)))
                ApplyRetention();
        });
    }

    /// <summary>On a dedicated thread: writes and journal round trips block only this actor.</summary>
    /// <param name="paths">the data folder: checkpoint paths are journaled relative to it when inside it (null: as written)</param>
    public static Props Props(string directory, IActorRef run, IActorRef reporter, RetentionPolicy retention, EvalMetricName metric,
        Func<Task<bool>> fence, Func<Task<IReadOnlySet<string>>> forkPoints, CheckpointWriteOptions writes, DataFolderPaths? paths = null) =>
        Akka.Actor.Props.Create(() => new CheckpointActor(directory, run, reporter, retention, metric, fence, forkPoints, writes, paths)).WithDispatcher(Persistence.StlmAkka.PinnedDispatcher);

    protected override void PreStart()
    {
        Directory.CreateDirectory(_directory);
        foreach (var stale in CheckpointFolders.CleanStale(_directory))
            RunLog.Of(Context).Info("Removed {Folder}, left by an interrupted checkpoint write", stale);
    }

    void Write(WriteCheckpoint w)
    {
        var step = w.Snapshot.Info.Step;
        if (w.MetricPending) _awaitingMetric.Add(step);
        CommittedCheckpoint written;
        try
        {
            using (w.Snapshot)
                written = w.Snapshot.Write(_directory, _writes);
            if (!Wait(_fence()))
                throw new Model.StlmException($"run {w.Snapshot.Info.RunId}: this session no longer holds the run's lease, so the checkpoint of step {step} is not committed");
            var journaled = _paths?.ToJournal(written.Path) ?? written.Path;
            Saw(Wait(RunActor.AskAsync(_run, new CommitCheckpoint(step, written.ContentHash, journaled, written.Bytes, w.EvalsOwed))));
        }
        catch (Exception e)
        {
            Sender.Tell(new CheckpointFailed(step, e.Message.ReplaceLineEndings(" ")), Self);
            return;
        }
        _reporter.Tell(new CheckpointEvent(step, written.ContentHash, written.Path, written.Bytes), Self);
        // Before answering, so a trainer that waits for its last checkpoint also waits for the housekeeping.
        ApplyRetention();
        Sender.Tell(new CheckpointDone(step, written, _state), Self);
    }

    /// <summary>Events reach this actor after its own commands' answers: the state with the most events is the newest.</summary>
    void Saw(RunState state)
    {
        if (state.Events > _state.Events) _state = state;
    }

    void ApplyRetention()
    {
        var state = _state;
        // A value the run holds is in (journaled now, or already before a resume re-ran its step).
        _awaitingMetric.RemoveWhere(step => _metric.At(state, step) is not null);
        try
        {
            var live = state.LiveCheckpoints.Where(c => IsOurs(Located(state, c.Path))).ToList();
            if (live.Count < 2) return;
            var forked = Wait(_forkPoints());
            var retained = live.Select(c => new RetainedCheckpoint(c.Step, DateTimeOffset.MinValue, _metric.At(state, c.Step), forked.Contains(c.Hash)));
            // A checkpoint still being evaluated might be the best: it waits for its value. One that owes the
            // cluster's evaluators evaluations is kept until they are journaled (evaluation falls behind, it is not lost).
            var owed = state.PendingEvaluations.Select(o => o.Step).ToHashSet();
            foreach (var step in _retention.ToDelete(retained).Where(s => !_awaitingMetric.Contains(s) && !owed.Contains(s)))
            {
                var doomed = live.First(c => c.Step == step);
                var reason = string.Create(CultureInfo.InvariantCulture, $"retention: {_retention}");
                Saw(Wait(RunActor.AskAsync(_run, new DeleteCheckpoint(doomed.Hash, reason))));
                CheckpointFolders.Delete(_directory, step);
                _reporter.Tell(new CheckpointDeletedEvent(step, doomed.Hash, reason), Self);
            }
        }
        catch (Exception e)
        {
            // Retention is housekeeping: a failure leaves extra checkpoints, never a broken run. A session stopped
            // mid-run (paused, or its node going) cuts the journal queries of its own actor system: no news.
            if (e is AbruptTerminationException or AbruptStageTerminationException || CoordinatedShutdown.Get(Context.System).ShutdownReason is not null)
                RunLog.Of(Context).Debug(e, "checkpoint retention stopped by the session's shutdown");
            else
                RunLog.Of(Context).Warning(e, "checkpoint retention failed; older checkpoints are kept for now");
        }
    }

    /// <summary>Where a journaled checkpoint path is in this data folder (older events of a moved folder hold absolute paths).</summary>
    string Located(RunState state, string journaled)
    {
        if (_paths is null) return journaled;
        _journaledDataDir ??= DataFolderPaths.JournaledDataDir(state);
        return _paths.Resolve(journaled, _journaledDataDir);
    }

    bool IsOurs(string path) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFullPath(_directory).TrimEnd('/'), StringComparison.Ordinal);

    // This actor owns its thread, so waiting here stalls nobody else.
    static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
