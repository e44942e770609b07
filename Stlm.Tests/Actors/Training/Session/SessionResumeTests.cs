using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionResumeTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task A_run_trains_to_max_steps_journaling_every_step_and_a_final_checkpoint()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await rig.TrainAsync("plain");

        Assert.Equal(SessionEnd.Completed, outcome.End);
        Assert.Equal(8, outcome.Step);
        var state = await rig.ReadAsync("plain");
        Assert.Equal(RunStatus.Completed, state.Status);
        Assert.Equal(8, state.Losses.Count);
        Assert.Equal([3L, 6, 8], state.LiveCheckpoints.Select(c => c.Step));
        Assert.Equal(state.Losses[^1], outcome.LastLoss);
        Assert.Equal(8 * 4 * 32, outcome.Tokens);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), rig.Events.OfType<StepEvent>().Select(e => e.Step.Step));
    }

    [Fact]
    public async Task Paused_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("straight");

        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = rig.Options(beforeStep: (n, _) =>
        {
            if (n == 5) SessionRig.PauseDuringStep(started.Task.Result);
        });
        var first = await TrainingSession.StartNew("paused", rig.Config(), options);
        started.SetResult(first);
        var paused = await SessionRig.Finish(first);

        Assert.Equal(SessionEnd.Paused, paused.End);
        Assert.Equal(5, paused.Step);
        var atPause = await rig.ReadAsync("paused");
        Assert.Equal(RunStatus.Paused, atPause.Status);
        Assert.Equal(5, atPause.LatestCheckpoint()!.Step);
        var order = rig.Events.Where(e => e is CheckpointEvent or StatusEvent { Status: RunStatus.Paused }).ToList();
        Assert.Equal(5, Assert.IsType<CheckpointEvent>(order[^2]).Step);
        Assert.IsType<StatusEvent>(order[^1]);

        var resumed = await rig.ResumeAsync("paused");
        Assert.Equal(SessionEnd.Completed, resumed.End);
        Assert.Equal((await rig.ReadAsync("straight")).Losses, (await rig.ReadAsync("paused")).Losses);
        Assert.Equal(await rig.FinalStateBytes("straight"), await rig.FinalStateBytes("paused"));
    }

    [Fact]
    public async Task Resume_after_a_crash_reruns_and_rechecks_the_journaled_steps_after_the_checkpoint()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("straight");

        await CrashAtStep6(rig, "crashed"); // torn down mid-run: no checkpoint, no Paused

        var crashed = await rig.ReadAsync("crashed");
        Assert.Equal(RunStatus.Running, crashed.Status);
        var checkpoint = crashed.LatestCheckpoint()!.Step;
        Assert.Equal(3, checkpoint);
        Assert.True(crashed.Step >= 5, $"the journal has steps up to {crashed.Step}");

        rig.Events.Clear();
        var outcome = await rig.ResumeAsync("crashed");
        Assert.Equal(SessionEnd.Completed, outcome.End);
        var steps = rig.Events.OfType<StepEvent>().ToList();
        Assert.Equal(Enumerable.Range(4, 5).Select(i => (long)i), steps.Select(e => e.Step.Step));
        Assert.All(steps.Where(e => e.Step.Step <= crashed.Step), e => Assert.True(e.Rechecked));
        Assert.All(steps.Where(e => e.Step.Step > crashed.Step), e => Assert.False(e.Rechecked));
        Assert.Equal((await rig.ReadAsync("straight")).Losses, (await rig.ReadAsync("crashed")).Losses);
        Assert.Equal(await rig.FinalStateBytes("straight"), await rig.FinalStateBytes("crashed"));
    }

    [Fact]
    public async Task A_rerun_step_whose_loss_differs_from_the_journal_fails_the_run_loudly()
    {
        await using var rig = new SessionRig(corpus);
        await CrashAtStep6(rig, "drift");

        // The re-run of step 4 (the journal has it) starts from slightly different weights.
        var outcome = await SessionRig.Finish(await TrainingSession.Resume("drift", rig.Options(beforeStep: (n, model) =>
        {
            if (n != 4) return;
            using var _ = Torch.NoGrad();
            model.Module.Parameters().First().Value.MulInPlace(1.01);
        })));

        Assert.Equal(SessionEnd.Failed, outcome.End);
        Assert.Contains("step 4 re-ran with loss", outcome.Reason);
        Assert.Contains("not deterministic", outcome.Reason);
        Assert.Equal(RunStatus.Failed, (await rig.ReadAsync("drift")).Status);
    }

    [Fact]
    public async Task Resuming_from_a_corrupt_checkpoint_is_one_line_and_loses_nothing()
    {
        await using var rig = new SessionRig(corpus);
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await TrainingSession.StartNew("damaged", rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n == 5) SessionRig.PauseDuringStep(started.Task.Result);
        }));
        started.SetResult(first);
        await SessionRig.Finish(first);
        var before = await rig.ReadAsync("damaged");
        var weights = Path.Combine(before.LatestCheckpoint()!.Path, Stlm.Model.Checkpoints.CheckpointNames.Model);
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);

        var e = await Assert.ThrowsAnyAsync<Stlm.Model.StlmException>(() => TrainingSession.Resume("damaged", rig.Options()));

        Assert.Contains("step-000000005", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var after = await rig.ReadAsync("damaged");
        Assert.NotEqual(RunStatus.Failed, after.Status);
        Assert.Equal(before.Losses, after.Losses);
        Assert.Equal(before.LiveCheckpoints, after.LiveCheckpoints);
    }

    /// <summary>Starts a run and tears its session down while step 6 runs, once steps 4 and 5 and step 3's checkpoint are journaled.</summary>
    static async Task CrashAtStep6(SessionRig rig, string runId)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashing = await TrainingSession.StartNew(runId, rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n != 6) return;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (rig.ReadAsync(runId).GetAwaiter().GetResult() is var s && (s.Step < 5 || s.LatestCheckpoint() is null) && DateTime.UtcNow < deadline)
                Thread.Sleep(20);
            reached.TrySetResult();
        }));
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await crashing.DisposeAsync();
    }
}
