using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Tests.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster.Transfer;

/// <summary>
/// A run paused on node A is resumed on node B, which shares no folder with A: B makes the
/// checkpoint the run resumes from local first (<see cref="CheckpointCopies"/>, as a trainer node's
/// run entity does before <see cref="TrainingSession.Resume"/>), and the session opens B's copy.
/// Loopback cluster members in this process; the run's checkpoints are moved out of the folder
/// the journal names into node A's own, so only A can serve them.
/// </summary>
[Collection(nameof(TorchGlobalState))]
public sealed class ResumeFromFetchedCheckpointTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    /// <summary>Moves the rig's checkpoints (every run's) into node A's folder and serves <paramref name="run"/>'s there: no other node has them.</summary>
    static void MoveToNodeA(SessionRig rig, RunState run, CheckpointCatalog nodeA, string nodeAFolder)
    {
        Directory.Move(rig.CheckpointsDir, nodeAFolder);
        foreach (var checkpoint in run.LiveCheckpoints)
            nodeA.Register(checkpoint.Hash, Path.Combine(nodeAFolder, Path.GetRelativePath(rig.CheckpointsDir, checkpoint.Path)));
    }

    /// <summary>Trains <paramref name="runId"/> until it pauses after step 5 (checkpoints at 3 and 5), then moves its checkpoints into node A's folder and serves them there.</summary>
    static async Task<RunState> PausedOnNodeA(SessionRig rig, string runId, CheckpointCatalog nodeA, string nodeAFolder)
    {
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = rig.Options(beforeStep: (n, _) =>
        {
            if (n == 5) SessionRig.PauseDuringStep(started.Task.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult());
        });
        var first = await TrainingSession.StartNew(runId, rig.Config(), options);
        started.SetResult(first);
        Assert.Equal(SessionEnd.Paused, (await SessionRig.Finish(first)).End);
        var paused = await rig.ReadAsync(runId);
        MoveToNodeA(rig, paused, nodeA, nodeAFolder);
        return paused;
    }

    [Fact]
    public async Task A_run_resumed_on_a_node_without_its_checkpoint_fetches_it_from_the_node_that_has_it_and_ends_bit_identical()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("straight");
        var straight = (await rig.ReadAsync("straight"), await rig.FinalStateBytes("straight"));

        using var dir = new TempDirectory();
        var nodeA = CheckpointCatalog.InDataFolder(dir.File("node-a"));
        var paused = await PausedOnNodeA(rig, "moved", nodeA, dir.File("node-a-checkpoints"));
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], nodeA);
        var nodeB = new CheckpointCopies(cluster.Members[1], CheckpointCatalog.InDataFolder(dir.File("node-b")), new TransferSettings(BufferBytes: 64 * 1024));

        var start = await StartCheckpoint.OfAsync(paused, dir.File("node-b"), rig.Stores.Journal);
        Assert.NotNull(start);
        Assert.Equal((5L, paused.LatestCheckpoint()!.Hash), (start.Step, start.Hash));
        Assert.False(Directory.Exists(start.Path), "the folder the journal names is on no node");
        Assert.Null(nodeB.Find(start.Hash, start.Path));
        Assert.Null(await nodeB.WhyNotHereAsync(start.Hash, start.Path, start.JournalPath));
        var copy = nodeB.Find(start.Hash, start.Path);
        Assert.NotNull(copy);
        Assert.StartsWith(nodeB.Catalog.CacheDir, copy);

        var resumed = await SessionRig.Finish(await TrainingSession.Resume("moved", rig.Options() with { CheckpointCopy = nodeB.Find }));
        Assert.Equal((SessionEnd.Completed, 8L), (resumed.End, resumed.Step));
        var moved = await rig.ReadAsync("moved");
        Assert.Equal((start.Hash, 5L), (moved.LastResumed!.CheckpointHash, moved.LastResumed.Step));
        Assert.Equal(straight.Item1.Losses, moved.Losses);
        Assert.Equal(straight.Item2, await rig.FinalStateBytes("moved"));
    }

    [Fact]
    public async Task A_fork_whose_parents_checkpoint_is_only_on_another_node_fetches_it_and_ends_as_the_same_fork_in_one_process()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("parent");   // checkpoints at steps 3, 6, 8
        string[] overrides = ["schedules.learning-rate.peak=1e-3"];
        await SessionRig.Finish(await TrainingSession.Fork("parent", 3, overrides, "here", rig.Options()));
        var here = (await rig.ReadAsync("here"), await rig.FinalStateBytes("here"));

        // The parent's checkpoints go to node A; the fork is journaled as a cluster's `stlm fork` does, paused until a trainer node takes it.
        using var dir = new TempDirectory();
        var nodeA = CheckpointCatalog.InDataFolder(dir.File("node-a"));
        MoveToNodeA(rig, await rig.ReadAsync("parent"), nodeA, dir.File("node-a-checkpoints"));
        var forked = await ForkCreation.CreatePausedAsync(rig.Stores.Journal, "parent", 3, overrides, "there", corpus.DataDir, 1000, CancellationToken.None, "handed to the cluster");
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], nodeA);
        var nodeB = new CheckpointCopies(cluster.Members[1], CheckpointCatalog.InDataFolder(dir.File("node-b")), new TransferSettings(BufferBytes: 64 * 1024));

        // Node B, taking the fork, makes its start (the parent's step-3 checkpoint) local as a trainer node's run entity does.
        var start = await StartCheckpoint.OfAsync(forked, dir.File("node-b"), rig.Stores.Journal);
        Assert.NotNull(start);
        Assert.Equal((3L, forked.Fork!.ParentCheckpointHash), (start.Step, start.Hash));
        Assert.False(Directory.Exists(start.Path), "the folder the parent's journal names is on no node");
        Assert.Null(await nodeB.WhyNotHereAsync(start.Hash, start.Path, start.JournalPath));
        Assert.StartsWith(nodeB.Catalog.CacheDir, nodeB.Find(start.Hash, start.Path));

        var trained = await SessionRig.Finish(await TrainingSession.Resume("there", rig.Options() with { CheckpointCopy = nodeB.Find }));
        Assert.Equal((SessionEnd.Completed, 8L), (trained.End, trained.Step));
        var there = await rig.ReadAsync("there");
        Assert.Equal(here.Item1.Losses, there.Losses);
        Assert.Equal(5, there.Losses.Count);   // steps 4 to 8
        Assert.Equal(here.Item2, await rig.FinalStateBytes("there"));
    }

    [Fact]
    public async Task A_run_whose_checkpoint_no_live_node_holds_is_not_resumed_from_another_and_its_journal_is_unchanged()
    {
        await using var rig = new SessionRig(corpus);
        using var dir = new TempDirectory();
        var nodeA = CheckpointCatalog.InDataFolder(dir.File("node-a"));
        var paused = await PausedOnNodeA(rig, "lost", nodeA, dir.File("node-a-checkpoints"));
        // Node A still holds the step-3 checkpoint; the step-5 one, the run's newest, is lost with its disk.
        var newest = paused.LatestCheckpoint()!;
        Directory.Delete(Path.Combine(dir.File("node-a-checkpoints"), Path.GetRelativePath(rig.CheckpointsDir, newest.Path)), recursive: true);
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], nodeA);
        var nodeB = new CheckpointCopies(cluster.Members[1], CheckpointCatalog.InDataFolder(dir.File("node-b")));

        var start = (await StartCheckpoint.OfAsync(paused, dir.File("node-b"), rig.Stores.Journal))!;
        Assert.Equal(5, start.Step);
        var why = await nodeB.WhyNotHereAsync(start.Hash, start.Path, start.JournalPath);
        Assert.NotNull(why);
        Assert.Contains("could not be fetched from any node", why);
        Assert.Contains("this node has no copy", why);
        Assert.DoesNotContain('\n', why);
        Assert.False(Directory.Exists(nodeB.Catalog.CacheDir) && Directory.EnumerateFileSystemEntries(nodeB.Catalog.CacheDir, "*", SearchOption.AllDirectories).Any(),
            "nothing was copied: not the step-3 checkpoint, not a part of the lost one");

        // The session refuses to start without it, in one line, and journals nothing.
        var error = await Assert.ThrowsAnyAsync<StlmException>(() => TrainingSession.Resume("lost", rig.Options() with { CheckpointCopy = nodeB.Find }));
        Assert.DoesNotContain('\n', error.Message);
        var after = await rig.ReadAsync("lost");
        Assert.Equal((paused.Events, RunStatus.Paused, 5L), (after.Events, after.Status, after.Step));
    }
}
