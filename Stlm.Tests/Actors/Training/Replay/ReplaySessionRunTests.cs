using Stlm.Actors.Training.Replay;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Replay;

/// <summary>replay --verify on runs trained by the actors (TrainingSession), so its step numbering, cursors and checkpoints are the trainer's.</summary>
[Collection(nameof(TorchGlobalState))]
public sealed class ReplaySessionRunTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    static async Task<ReplayReport> VerifyAsync(SessionRig rig, string runId, long? from = null, long? to = null)
    {
        var run = await new RunJournalReader(rig.Stores.Query!).LoadAsync(runId);
        var plan = ReplayPlan.For(run, null, from, to);
        var steps = await JournaledSteps.LoadAsync(rig.Stores.Query!, runId, plan.Start.Step + 1, plan.ToStep);
        return new ReplayVerifier(plan, run.Created!, steps, ReplaySteps.Overrides(run.Overrides), run.Skips).Run(null, CancellationToken.None);
    }

    [Fact]
    public async Task A_run_trained_by_the_actors_verifies_from_its_start_and_from_a_checkpoint()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("r-actors");

        var whole = await VerifyAsync(rig, "r-actors");
        var stretch = await VerifyAsync(rig, "r-actors", from: 4, to: 6);

        Assert.True(whole.Ok, string.Join("\n", whole.Verdicts));
        Assert.Equal((0L, 8L), (whole.StartStep, whole.StepsRun));
        Assert.Contains("step-000000008", whole.Verdicts.Single(v => v.Check == "weights").Detail);
        Assert.True(stretch.Ok, string.Join("\n", stretch.Verdicts));
        Assert.Equal((3L, 3L), (stretch.StartStep, stretch.StepsRun));
        Assert.Contains("step-000000006", stretch.Verdicts.Single(v => v.Check == "weights").Detail);
    }

    [Fact]
    public async Task A_run_with_an_operators_override_verifies_with_the_journaled_override()
    {
        await using var rig = new SessionRig(corpus);
        // Slow steps, so the override lands while the run trains (once it has trained a step).
        var stepped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = rig.Options((_, _) => Thread.Sleep(25)) with
        {
            Observer = e => { if (e is StepEvent) stepped.TrySetResult(); },
        };
        var session = await TrainingSession.StartNew("r-override", rig.Config("training.max-steps=12"), options);
        await stepped.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var journaled = await session.Override("lr", "*0.5");
        await SessionRig.Finish(session);
        Assert.InRange(journaled.FromStep, 2, 11);

        var report = await VerifyAsync(rig, "r-override");

        Assert.True(report.Ok, string.Join("\n", report.Verdicts));
        var run = await new RunJournalReader(rig.Stores.Query!).LoadAsync("r-override");
        Assert.Single(run.Overrides);
    }
}
