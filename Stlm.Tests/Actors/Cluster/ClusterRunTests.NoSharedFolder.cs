using Stlm.Actors.Cluster;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

public sealed partial class ClusterRunTests
{
    [PostgresFact]
    public async Task A_run_whose_trainer_node_dies_waits_on_a_node_without_its_checkpoint_until_a_holder_joins_then_fetches_it_and_ends_bit_identical()
    {
        using var reference = new DataFolder();
        using (var straight = StlmChild.Start(reference.Path, reference.Environment, TinyRun.Train("straight", Steps)))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        // Every process has a data folder (and so a checkpoint folder) of its own: nothing is shared but the journal.
        using DataFolder first = new(), second = new(), holder = new(), client = new();
        int[] seeds = [.. new[] { LoopbackPorts.Free(), LoopbackPorts.Free() }.OrderBy(p => $"127.0.0.1:{p}", StringComparer.Ordinal)];
        // The run goes to the first seed (the tie-break); its third checkpoint never commits (its write stops before the rename), and it is killed there.
        var a = StartNodeIn(first, seeds[0], seeds, fault: "checkpoint:rename@3");
        var b = StartNodeIn(second, seeds[1], seeds);
        var train = Start(Environment(client), [.. TinyRun.Train("moved", Steps), .. Cluster(seeds)]);
        Assert.True(a.WaitForFault(Timeout) is not null, $"the first node never trained the run: {a.StdErr}\n{train.StdErr}");
        a.Kill();
        var held = (await Db.LoadRunAsync("moved")).LatestCheckpoint();
        Assert.NotNull(held);
        Assert.Equal(4, held.Step);

        // The second node takes the run over, has no copy of its checkpoint and no live node to fetch it from: it waits, journaled with the reason.
        var waiting = await WaitForRunAsync("moved", r => RunEntity.IsWaiting(r) && r.StatusReason.Contains("has no copy of its checkpoint"),
            () => $"{b.StdErr}\n--- train:\n{train.StdErr}");
        Assert.Contains($"at step {held.Step}, and checkpoint {held.Hash[..12]}… could not be fetched from any node", waiting.StatusReason);
        Assert.Equal([(long)a.Pid], (await EventsAsync("moved")).OfType<Resumed>().Select(r => r.ProcessId));

        // A node holding a copy (the first node's checkpoints, copied onto its own disk at the path the journal names) joins.
        holder.CopyFrom(first, "checkpoints");
        var c = StartNodeIn(holder, LoopbackPorts.Free(), seeds, roles: "evaluator");

        Assert.True(train.WaitForExit(Timeout, killAfter: false) == 0, $"{train.StdErr}\n--- second node:\n{b.StdErr}\n--- holder:\n{c.StdErr}");
        Assert.Contains($"run moved completed at step {Steps} on the cluster", train.StdOut);
        var (straightRun, moved) = (reference.Run("straight"), await Db.LoadRunAsync("moved"));
        Assert.Equal((RunStatus.Completed, (long)Steps), (moved.Status, moved.Step));
        Assert.True(Bits(straightRun.Losses).SequenceEqual(Bits(moved.Losses)), "journaled losses differ from the run trained in one process");
        var last = new DataFolderPaths(second.Path).Resolved(moved).LatestCheckpoint()!;
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(straightRun.LatestCheckpoint()!, file) == DataFolder.FileHash(last, file), $"{file} differs from the run trained in one process");
        // Resumed once on each trainer, the second from the fetched copy of the checkpoint the journal names, kept in its cache.
        var events = await EventsAsync("moved");
        Assert.Equal([(long)a.Pid, (long)b.Pid], events.OfType<Resumed>().Select(r => r.ProcessId));
        Assert.Equal(held.Hash, events.OfType<Resumed>().Last().CheckpointHash);
        Assert.True(Directory.Exists(Path.Combine(second.Path, "checkpoint-cache", "moved", Path.GetFileName(held.Path))), "the second node keeps its fetched copy");
        Assert.False(Directory.Exists(Path.Combine(second.Path, held.Path)), "the second node never had the first node's checkpoint folder");
    }

    async Task<RunState> WaitForRunAsync(string runId, Func<RunState, bool> done, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await Db.LoadRunAsync(runId);
            if (done(run)) return run;
            Assert.False(run.IsTerminal, $"run {runId} is {run.Status} at step {run.Step}: {failure()}");
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is {run.Status} ({run.StatusReason}) at step {run.Step}: {failure()}");
            await Task.Delay(200);
        }
    }
}
