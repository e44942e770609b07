using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionForkTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task A_fork_without_overrides_continues_exactly_as_its_parent_did()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("parent");

        var outcome = await SessionRig.Finish(await TrainingSession.Fork("parent", 3, [], "child", rig.Options()));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var parent = await rig.ReadAsync("parent");
        var child = await rig.ReadAsync("child");
        Assert.Equal(4, child.FirstStep);
        Assert.Equal("parent", child.Fork!.ParentRunId);
        Assert.Equal(parent.Checkpoints.Single(c => c.Step == 3).Hash, child.Fork.ParentCheckpointHash);
        Assert.Equal(parent.Losses.Skip(3), child.Losses);
        Assert.Equal(await rig.FinalStateBytes("parent"), await rig.FinalStateBytes("child"));
        Assert.Equal(parent.Tokens, outcome.Tokens);
    }

    [Fact]
    public async Task A_fork_starts_from_the_parents_checkpoint_state_plus_its_overrides()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("parent");

        await SessionRig.Finish(await TrainingSession.Fork("parent", 3, ["schedules.learning-rate.peak=1e-4"], "slower", rig.Options()));

        var parent = await rig.ReadAsync("parent");
        var child = await rig.ReadAsync("slower");
        Assert.Equal(["schedules.learning-rate.peak=1e-4"], child.Fork!.Overrides);
        // Step 4's loss is measured on the checkpoint's weights, before the new lr acts.
        Assert.Equal(parent.Losses[3], child.Losses[0]);
        Assert.NotEqual(parent.Losses[4], child.Losses[1]);
        var steps = rig.Events.OfType<StepEvent>().Where(e => e.Step.Step >= 4).Select(e => e.Step).ToList();
        var expected = TrainingRecipe.From(rig.Config("schedules.learning-rate.peak=1e-4")).ScheduleSet();
        Assert.Equal(expected.At(4).LearningRate, steps.Last(s => s.Step == 5).Lr);
    }

    [Fact]
    public async Task Forking_a_step_with_no_committed_checkpoint_names_the_steps_that_have_one()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("parent");

        var e = await Assert.ThrowsAnyAsync<StlmException>(() => TrainingSession.Fork("parent", 4, [], "nowhere", rig.Options()));

        Assert.Equal("cannot fork parent@4: no committed checkpoint at step 4; committed checkpoints are at steps 3, 6, 8", e.Message);
        Assert.False((await rig.ReadAsync("nowhere")).Exists);
    }
}
