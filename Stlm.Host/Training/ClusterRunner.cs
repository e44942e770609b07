using System.Globalization;
using Akka.Actor;
using Serilog;
using Stlm.Actors.Cluster;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Host.Progress;
using Stlm.Model;

namespace Stlm.Host.Training;

/// <summary>
/// `stlm train|resume|fork` when cluster.seed-nodes is set: the run is journaled as owed to the
/// cluster (Paused, "waiting for a trainer node …", or left running after a crash), this process
/// joins the cluster as a member with no role, hands the run to its sharded entity on a trainer
/// node (<see cref="TrainRun"/>) and follows it through the journal (progress, then a summary),
/// until it completes, fails or is paused. Ctrl+C asks the trainer to pause it (as `stlm pause`
/// does); a second Ctrl+C stops following and leaves the run training on the cluster.
/// </summary>
public sealed class ClusterRunner(JournalStore store, ClusterSettings cluster, string dataDir)
{
    static readonly TimeSpan PlacementTimeout = TimeSpan.FromSeconds(120);
    static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>The Paused reason that hands a run to the cluster.</summary>
    public static string HandedBy(string command) => $"{RunEntity.Waiting}: handed to the cluster by `stlm {command}`";

    /// <summary>Refuses, in one line, a cluster over a journal that only this machine sees.</summary>
    public static void CheckJournal(DataPaths paths) =>
        ClusterSettings.RequireSharedJournal(paths.Journal, "or leave cluster.seed-nodes empty to train in this process");

    /// <summary>
    /// Journals that a paused run (or one whose trainer died) is owed training by the cluster:
    /// Resumed then Paused(waiting) for one an operator paused; nothing for one already owed.
    /// A run training in another process is refused in one line.
    /// </summary>
    public static async Task HandOverAsync(JournalStore store, RunState run, int snapshotEvery, CancellationToken ct)
    {
        if (run.Status == RunStatus.Running)
        {
            var leases = new RunLeaseStore(store.Dialect);
            if (await leases.CurrentAsync(run.RunId, ct) is { } holder && !leases.HolderIsGone(holder))
                throw new RunLeaseRefusedException(holder);
            return;
        }
        if (RunEntity.IsWaiting(run)) return;
        await IdleRunControl.ApplyAsync(store, run.RunId,
            [new ResumeRun(Environment.MachineName, Environment.ProcessId), new PauseRun(HandedBy("resume"))], snapshotEvery, ct);
    }

    public async Task<int> RunAsync(string runId, string what, CancellationToken ct)
    {
        var client = cluster with { Roles = [], Port = 0 };
        await using var node = await ClusterNode.JoinAsync(client, store, dataDir, ct);
        var placed = await node.Runs.Ask<RunPlaced>(new TrainRun(runId), PlacementTimeout, ct);
        if (placed.Declined)
            throw new StlmException($"the cluster does not train {runId}: {placed.Reason}");
        Log.Information(placed.Training ? "{Run} on {Node}: {Reason}" : "{Run} waits (placed on {Node}): {Reason}", runId, placed.Node, placed.Reason);
        var run = await FollowAsync(runId, what, ct);
        return Summary(run);
    }

    async Task<RunState> FollowAsync(string runId, string what, CancellationToken ct)
    {
        var reader = new RunJournalReader(store.Query);
        var run = await reader.LoadAsync(runId, ct);
        var max = run.Created!.Config().GetLong("training.max-steps");
        var following = new CancellationTokenSource();
        var presses = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (Interlocked.Increment(ref presses) == 1)
            {
                Log.Information("Ctrl+C: asking the trainer of {Run} to pause it (checkpoint, then Paused); Ctrl+C again to stop following and leave it training", runId);
                _ = PauseAsync(runId);
            }
            else following.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var progress = ProgressDisplay.Start(new ProgressOptions($"{what} {runId} on the cluster", max, "steps", Initial: run.Step));
            var seen = run.Events;
            while (!Over(run))
            {
                try
                {
                    await Task.Delay(PollEvery, following.Token);
                }
                catch (OperationCanceledException)
                {
                    Log.Information("{Run} keeps training on the cluster; pause it with: stlm pause {Run}", runId, runId);
                    return run;
                }
                await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId), seen + 1, long.MaxValue, ct))
                {
                    run = RunState.Apply(run, e.Event);
                    seen = e.SequenceNr;
                    if (e.Event is StepCompleted s)
                    {
                        progress.Set("loss", s.Loss, "F3");
                        progress.Set("lr", s.Lr, "0.00e0");
                        progress.Report(s.Step);
                    }
                    else if (e.Event is EvalCompleted ev)
                        Log.Information("step {Step}: {Task} {Metrics}", ev.Step, ev.Task,
                            string.Join(", ", ev.Metrics.Select(m => $"{m.Name} {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")));
                    else if (e.Event is Resumed r)
                        Log.Information("{Run} resumed on {Node} (pid {Pid}) from step {Step}", runId, r.Node, r.ProcessId, r.Step);
                }
            }
            return run;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Done following: completed, failed, or paused by someone (not a pause of the cluster's own).</summary>
    static bool Over(RunState run) => run.IsTerminal || (run.Status == RunStatus.Paused && !RunEntity.IsWaiting(run));

    async Task PauseAsync(string runId)
    {
        try
        {
            var answer = await new RunControlClient(new RunControlStore(store.Dialect), new RunLeaseStore(store.Dialect))
                .AskTrainerAsync(runId, ControlAsk.Pause("Ctrl+C"), TimeSpan.FromSeconds(120));
            if (answer is null)
            {
                var run = await new RunJournalReader(store.Query).LoadAsync(runId);
                if (!Over(run)) await IdleRunControl.ApplyAsync(store, runId, new PauseRun("Ctrl+C (before a trainer node took it)"), 1000);
            }
        }
        catch (Exception e) when (e is StlmException or InvalidOperationException)
        {
            Log.Warning("{Run}: the pause did not go through: {Why}", runId, e.Message);
        }
    }

    static int Summary(RunState run)
    {
        switch (run.Status)
        {
            case RunStatus.Failed:
                throw new StlmException($"run {run.RunId} failed at step {run.Step}: {run.StatusReason}");
            case RunStatus.Paused when !RunEntity.IsWaiting(run):
                Console.Out.WriteLine($"{run.RunId} paused at step {run.Step} ({run.StatusReason}); resume with: stlm resume {run.RunId}");
                return 0;
            case RunStatus.Completed:
                var heldOut = run.Evals.Where(e => e.Task == EvaluatorActor.HeldOutTask).MaxBy(e => e.Step)?.Metrics.FirstOrDefault(m => m.Name == "bpb")?.Value;
                Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "run {0} completed at step {1} on the cluster: {2:N0} tokens, loss {3:F3} -> {4:F3}, {5}",
                    run.RunId, run.Step, run.Tokens, run.Losses.FirstOrDefault(double.NaN), run.Losses.LastOrDefault(double.NaN), TrainingSummary.HeldOut(heldOut)));
                // Training never waits for the evaluators: what they still owe is journaled later (`stlm show` lists it).
                if (RunSummary.From(run).PendingLine() is { } owed) Console.Out.WriteLine($"{run.RunId} {owed}; `stlm show {run.RunId}` follows them");
                return 0;
            default:
                Console.Out.WriteLine($"{run.RunId} is {(RunEntity.IsWaiting(run) ? "waiting for a trainer node" : "training")} on the cluster at step {run.Step}; follow it with `stlm runs`, pause it with `stlm pause {run.RunId}`");
                return 0;
        }
    }
}
