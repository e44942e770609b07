using Stlm.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionEvalTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task Held_out_bits_per_byte_are_journaled_every_eval_interval_and_at_each_checkpoint()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("evaluated",
            rig.Config("eval.every-steps=2", "eval.workers=2"), rig.Options()));

        var state = await rig.ReadAsync("evaluated");
        var evals = state.Evals.Where(e => e.Task == EvaluatorActor.HeldOutTask).OrderBy(e => e.Step).ToList();
        Assert.Equal([2L, 3, 4, 6, 8], evals.Select(e => e.Step));
        var bpb = evals.Select(e => e.Metrics.Single(m => m.Name == "bpb").Value).ToList();
        Assert.All(bpb, b => Assert.InRange(b, 0.1, 20));
        Assert.Equal(bpb[^1], outcome.HeldOutBpb);
        Assert.Equal(5, rig.Events.OfType<EvalEvent>().Count());
    }

    [Fact]
    public async Task Evaluating_while_training_leaves_the_trajectory_unchanged()
    {
        await using var rig = new SessionRig(corpus);
        await rig.TrainAsync("quiet", "eval.workers=0");
        await rig.TrainAsync("busy", "eval.every-steps=1", "eval.workers=2");

        Assert.Equal((await rig.ReadAsync("quiet")).Losses, (await rig.ReadAsync("busy")).Losses);
        Assert.Equal(await rig.FinalStateBytes("quiet"), await rig.FinalStateBytes("busy"));
    }
}
