using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;

namespace Stlm.Tests.Training.Session;

public class SessionResumeTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task A_run_trains_to_max_steps_journaling_every_step_and_a_final_checkpoint()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("plain", rig.Config(), rig.Options()));

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
        await SessionRig.Finish(await TrainingSession.StartNew("straight", rig.Config(), rig.Options()));

        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = rig.Options(beforeStep: (n, _) =>
        {
            if (n == 5) started.Task.Result.RequestPause("test");
        });
        var first = await TrainingSession.StartNew("paused", rig.Config(), options);
        started.SetResult(first);
        var paused = await SessionRig.Finish(first);

        Assert.Equal(SessionEnd.Paused, paused.End);
        Assert.Equal(5, paused.Step);
        var atPause = await rig.ReadAsync("paused");
        Assert.Equal(RunStatus.Paused, atPause.Status);
        Assert.Equal(5, atPause.LatestCheckpoint()!.Step);

        var resumed = await SessionRig.Finish(await TrainingSession.Resume("paused", rig.Options()));
        Assert.Equal(SessionEnd.Completed, resumed.End);
        Assert.Equal((await rig.ReadAsync("straight")).Losses, (await rig.ReadAsync("paused")).Losses);
        Assert.Equal(await rig.FinalStateBytes("straight"), await rig.FinalStateBytes("paused"));
    }
}
