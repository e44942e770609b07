using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Cluster;

/// <summary>Before a run trains here: waiting for a slot of its kind, and making the checkpoint it resumes from local.</summary>
public sealed partial class RunEntity
{
    void WaitForRoom(RunState run, string? why = null)
    {
        var reason = $"{Waiting}: {why ?? (_onGpu ? "every GPU of the trainer nodes is taken" : "every trainer node is full")} ({(_onGpu ? "one run per GPU, cluster.gpus" : $"cluster.runs-per-trainer = {_node.Settings.RunsPerTrainer}")}); " +
                     $"it starts on {Here} when a run there ends, or moves to a trainer node with room";
        if (!IsWaiting(run)) JournalWaiting(reason);
        _log.Info("run {0} waits on {1}: no free trainer slot", _runId, Here);
        TryAgainLater(reason);
    }

    /// <summary>
    /// The checkpoint the run resumes from must be on this node before the session opens it: found
    /// here (the journaled path, or this node's copy) or fetched from another member and verified.
    /// </summary>
    void MakeStartCheckpointLocal(RunState run)
    {
        var (self, node, cancel) = (Self, _node, _stopping.Token);
        Task.Run(async () =>
        {
            var start = await StartCheckpoint.OfAsync(run, node.DataDir, node.Journal, cancel);
            if (start is null || node.Checkpoints.Find(start.Hash, start.Path) is not null) return (object)new CheckpointHere(run, start);
            self.Tell(new FetchingCheckpoint(start));
            return await node.Checkpoints.WhyNotHereAsync(start.Hash, start.Path, start.JournalPath, ct: cancel) is { } why
                ? new CheckpointMissing(run, start, why)
                : new CheckpointHere(run, start);
        }, cancel).PipeTo(Self, failure: e => new StartFailed(e));
    }

    /// <summary>
    /// No member that is up holds the checkpoint the run resumes from: the run waits (never starts from
    /// another checkpoint) and is tried again every few seconds, so it resumes once a node holding it
    /// joins. A run whose trainer died is journaled paused with the reason; one already paused
    /// waiting keeps its journal as it is and the reason goes to whoever asked.
    /// </summary>
    void WaitForCheckpoint(CheckpointMissing m)
    {
        var reason = $"{Waiting}: {Here} has no copy of its checkpoint at step {m.Start.Step}, and {m.Why}";
        if (m.Run.Status == RunStatus.Running) JournalWaiting(reason);
        // Said once, not at every retry.
        if (_waitingFor != reason) _log.Warning("run {0} waits on {1}: {2}", _runId, Here, reason);
        _waitingFor = reason;
        TryAgainLater(reason);
    }

    /// <summary>
    /// Journals the run paused with <paramref name="reason"/>, so `stlm runs` shows why it does not train. The lease is
    /// free (nobody trains it); if it is not, this fails and the next try journals it.
    /// </summary>
    void JournalWaiting(string reason) =>
        _ = IdleRunControl.ApplyAsync(_node.Journal, _runId, new PauseRun(reason), _snapshotEvery)
            .ContinueWith(t => _log.Debug("run {0} not marked waiting yet: {1}", _runId, t.Exception?.InnerException?.Message), TaskContinuationOptions.OnlyOnFaulted);

    /// <summary>Tells whoever asked why the run does not start here yet, and reads the run again in a few seconds.</summary>
    void TryAgainLater(string reason)
    {
        Answer(false, reason);
        Timers.StartSingleTimer("retry", ReadAgain.Instance, RetryEvery);
    }
}
