using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

public sealed partial class ClusterRunTests
{
    [PostgresFact]
    public async Task A_data_parallel_fork_trains_on_nodes_without_its_parents_checkpoint_each_rank_fetching_it_and_ends_as_the_same_fork_in_one_process()
    {
        // Every process has a data folder of its own: nothing is shared but the journal.
        using DataFolder holder = new(), first = new(), second = new(), client = new();
        string[] postgres = ["--set", "journal.engine=\"postgres\""];
        string[] fork = ["fork", "parent@4", "--set", "training.max-steps=8", "--set", "schedules.learning-rate.peak=1e-3",
            "--set", "training.data-parallel.world-size=2", "--set", "training.data-parallel.timeout=20s"];
        // The parent, trained in one process on the holder's disk; then the same fork there, two ranks in one machine (the reference).
        using (var parent = StlmChild.Start(holder.Path, Environment(holder), [.. TinyRun.Train("parent", 4), .. postgres]))
            Assert.True(parent.WaitForExit(Timeout) == 0, parent.StdErr);
        using (var here = StlmChild.Start(holder.Path, Environment(holder), [.. fork, "--run-id", "here", "--nproc", "2", .. postgres]))
            Assert.True(here.WaitForExit(Timeout) == 0, here.StdErr);

        // Two trainer nodes without the parent's checkpoints, and the holder as an evaluator node (it trains nothing, it serves its disk).
        // The fork's entity (rank 0) goes to the first seed (the tie-break), and rank 1 to the second: each fetches the parent's checkpoint.
        int[] seeds = [.. new[] { LoopbackPorts.Free(), LoopbackPorts.Free() }.OrderBy(p => $"127.0.0.1:{p}", StringComparer.Ordinal)];
        var a = StartNodeIn(first, seeds[0], seeds);
        var b = StartNodeIn(second, seeds[1], seeds);
        var c = StartNodeIn(holder, LoopbackPorts.Free(), seeds, roles: "evaluator");
        var there = Start(Environment(client), [.. fork, "--run-id", "there", .. Cluster(seeds)]);

        Assert.True(there.WaitForExit(Timeout) == 0, $"{there.StdErr}\n--- first node:\n{a.StdErr}\n--- second node:\n{b.StdErr}\n--- holder:\n{c.StdErr}");
        Assert.Contains("run there completed at step 8 on the cluster", there.StdOut);
        var (reference, spread) = (new DataFolderPaths(holder.Path).Resolved(await Db.LoadRunAsync("here")), new DataFolderPaths(first.Path).Resolved(await Db.LoadRunAsync("there")));
        Assert.Equal((RunStatus.Completed, 8L), (spread.Status, spread.Step));
        Assert.Equal((5L, 5L), (reference.FirstStep, spread.FirstStep));
        Assert.True(Bits(reference.Losses).SequenceEqual(Bits(spread.Losses)), "journaled losses differ from the fork trained in one process");
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(reference.LatestCheckpoint()!, file) == DataFolder.FileHash(spread.LatestCheckpoint()!, file), $"{file} differs from the fork trained in one process");

        // Each trainer node keeps a verified copy of the parent's step-4 checkpoint in its cache, and never had the holder's folder.
        var start = (await Db.LoadRunAsync("parent")).Checkpoints.Single(k => k.Step == 4);
        Assert.Equal(start.Hash, spread.Fork!.ParentCheckpointHash);
        foreach (var node in new[] { first, second })
        {
            Assert.True(Directory.Exists(Path.Combine(node.Path, "checkpoint-cache", "parent", Path.GetFileName(start.Path))), $"{node.Path} has no fetched copy");
            Assert.False(Directory.Exists(Path.Combine(node.Path, "checkpoints", "parent")), $"{node.Path} had the parent's checkpoint folder");
        }
    }
}
