using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

public sealed partial class ClusterRunTests
{
    [PostgresFact]
    public async Task A_data_parallel_run_whose_rank_node_dies_is_restarted_by_the_cluster_and_ends_bit_identical_to_an_uninterrupted_one()
    {
        const int steps = 60;
        string[] dataParallel = ["training.data-parallel.world-size=2", "training.data-parallel.timeout=20s"];
        using var reference = new DataFolder();
        using (var straight = StlmChild.Start(reference.Path, reference.Environment, [.. TinyRun.Train("straight", steps, dataParallel), "--nproc", "2"]))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        // Two slots per node: the run's entity (rank 0) goes to the first seed (the tie-break), and rank 1 to the node with
        // more room, the second; once that one dies, the first has room for both ranks.
        int[] seeds = [.. new[] { LoopbackPorts.Free(), LoopbackPorts.Free() }.OrderBy(p => $"127.0.0.1:{p}", StringComparer.Ordinal)];
        var first = StartNode(seeds[0], seeds, null, "--set", "cluster.runs-per-trainer=2");
        var second = StartNode(seeds[1], seeds, null, "--set", "cluster.runs-per-trainer=2");
        var train = Start(Environment(), [.. TinyRun.Train("spread", steps, dataParallel), .. Cluster(seeds)]);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var running = await LoadAsync("spread");
        while ((!running.Exists || running.Step < 3) && !train.HasExited && clock.Elapsed < Timeout)
        {
            await Task.Delay(100);
            running = await LoadAsync("spread");
        }
        var rank1 = DataParallelTrainingTests.RankProcessOf(second.Pid);
        Assert.True(rank1 is not null, $"rank 1 is not a child of the second node at step {running.Step}: {first.StdErr}\n--- second:\n{second.StdErr}\n--- train:\n{train.StdErr}");
        Assert.Null(DataParallelTrainingTests.RankProcessOf(first.Pid));
        second.Kill();

        Assert.True(train.WaitForExit(Timeout) == 0, $"{train.StdErr}\n--- first node:\n{first.StdErr}");
        Assert.Contains($"run spread completed at step {steps} on the cluster", train.StdOut);
        var (straightRun, spread) = (reference.Run("straight"), await LoadAsync("spread"));
        Assert.True(running.Step < steps, $"the rank's node was killed after the run ended (step {running.Step})");
        Assert.Equal((RunStatus.Completed, (long)steps), (spread.Status, spread.Step));
        Assert.True(Bits(straightRun.Losses).SequenceEqual(Bits(spread.Losses)), "journaled losses differ from the uninterrupted run of two local ranks");
        var (a, b) = (straightRun.LatestCheckpoint()!, spread.LatestCheckpoint()!);
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(a, file) == DataFolder.FileHash(b, file), $"{file} differs from the uninterrupted run");

        // Interrupted when rank 1 went, then resumed on the first node (both ranks there), every step journaled once.
        var events = await EventsAsync("spread");
        var interrupted = Assert.Single(events.OfType<Interrupted>());
        Assert.Contains("rank", interrupted.Reason);
        Assert.Equal([(long)first.Pid, (long)first.Pid], events.OfType<Resumed>().Select(r => r.ProcessId));
        Assert.Equal(Enumerable.Range(1, steps).Select(s => (long)s), events.OfType<StepCompleted>().Select(s => s.Step));
    }
}
