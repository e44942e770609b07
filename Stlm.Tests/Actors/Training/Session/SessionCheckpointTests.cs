using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionCheckpointTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task Checkpoints_are_written_off_the_trainer_thread_while_training_goes_on()
    {
        await using var rig = new SessionRig(corpus);
        var trainerThread = 0;
        var writerThread = 0;
        var trainedPastCheckpoint = new ManualResetEventSlim();
        var options = rig.Options(beforeStep: (n, _) =>
        {
            trainerThread = Environment.CurrentManagedThreadId;
            if (n == 5) trainedPastCheckpoint.Set();
        }) with
        {
            // The first write (step 3's) waits until the trainer has begun step 5: on the trainer's thread it never would.
            CheckpointWrite = new CheckpointWriteOptions(Fault: (_, _) =>
            {
                if (writerThread != 0) return;
                writerThread = Environment.CurrentManagedThreadId;
                Assert.True(trainedPastCheckpoint.Wait(TimeSpan.FromSeconds(20)), "training did not go on while the checkpoint was written");
            }),
        };

        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("async", rig.Config(), options));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        Assert.NotEqual(0, writerThread);
        Assert.NotEqual(trainerThread, writerThread);
        Assert.Equal([3L, 6, 8], (await rig.ReadAsync("async")).LiveCheckpoints.Select(c => c.Step));
    }

    [Fact]
    public async Task A_checkpoint_that_cannot_be_written_ends_the_session_but_leaves_the_run_resumable()
    {
        await using var rig = new SessionRig(corpus);
        var failing = rig.Options() with
        {
            CheckpointWrite = new CheckpointWriteOptions(Fault: (stage, _) => throw new IOException($"disk full during {stage}")),
        };
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("full", rig.Config(), failing));

        Assert.Equal(SessionEnd.Failed, outcome.End);
        Assert.Contains("checkpoint of step 3 failed: disk full", outcome.Reason);
        var state = await rig.ReadAsync("full");
        Assert.Equal(RunStatus.Running, state.Status);
        Assert.Empty(state.Checkpoints);

        var resumed = await rig.ResumeAsync("full");
        Assert.Equal(SessionEnd.Completed, resumed.End);
        Assert.Equal(8, (await rig.ReadAsync("full")).Losses.Count);
    }

    [Fact]
    public async Task Retention_journals_each_deletion_and_removes_the_folder_keeping_the_newest()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("kept",
            rig.Config("checkpoint.every-steps=2", "checkpoint.keep-last=2"), rig.Options()));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var state = await rig.ReadAsync("kept");
        Assert.Equal([2L, 4], state.Checkpoints.Where(c => c.Deleted).Select(c => c.Step));
        Assert.All(state.Checkpoints.Where(c => c.Deleted), c => Assert.StartsWith("retention", c.DeletedReason));
        Assert.Equal([6L, 8], state.LiveCheckpoints.Select(c => c.Step));
        Assert.Equal([6L, 8], CheckpointFolders.List(Path.Combine(rig.CheckpointsDir, "kept")).Select(l => l.Step));
        Assert.Equal([2L, 4], rig.Events.OfType<CheckpointDeletedEvent>().Select(e => e.Step));
    }

    [Fact]
    public async Task Stale_temp_folders_of_dead_writers_are_removed_when_a_session_starts()
    {
        await using var rig = new SessionRig(corpus);
        var stale = Path.Combine(rig.CheckpointsDir, "tidy", ".tmp-step-000000003-deadbeef");
        Directory.CreateDirectory(stale);
        File.WriteAllText(stale + ".lock", "");

        await rig.TrainAsync("tidy");

        Assert.False(Directory.Exists(stale));
    }
}
