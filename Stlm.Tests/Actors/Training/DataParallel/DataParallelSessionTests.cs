using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;
using Stlm.Tests.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.DataParallel;

/// <summary>
/// A data-parallel session with this test process as rank 0 and rank 1 a child process
/// (`stlm debug dp-rank`), so a fault can be injected into rank 0's weights between steps.
/// </summary>
[Collection(nameof(TorchGlobalState))]
public class DataParallelSessionTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    static readonly string[] TwoRanks = ["training.data-parallel.world-size=2", "training.data-parallel.timeout=20s"];

    static TrainingSessionOptions WithRanks(TrainingSessionOptions options) => options with { LaunchRanks = RankProcesses.Launch };

    [Fact]
    public async Task Ranks_whose_weights_differ_at_a_checkpoint_fail_the_run_loudly_naming_the_ranks()
    {
        await using var rig = new SessionRig(corpus);
        // Rank 0 alone scales a weight before step 2; both then apply the same averaged update, so the gap stays.
        var nudged = 0;
        var options = WithRanks(rig.Options((n, model) =>
        {
            if (n != 2 || Interlocked.Exchange(ref nudged, 1) == 1) return;
            using var _ = Torch.NoGrad();
            model.Module.Parameters().First().Value.MulInPlace(1.001);
        }));
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("diverged", rig.Config(TwoRanks), options));

        Assert.Equal(SessionEnd.Failed, outcome.End);
        Assert.Contains("data-parallel ranks diverged at step 3: the weights of rank(s) 1 differ from rank 0's", outcome.Reason);
        var state = await rig.ReadAsync("diverged");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Empty(state.LiveCheckpoints);
    }

    [Fact]
    public async Task A_non_finite_step_is_skipped_on_every_rank_and_the_ranks_stay_identical()
    {
        await using var rig = new SessionRig(corpus);
        var attempts = 0;
        float[]? clean = null;
        // Rank 0's loss is NaN once: the averaged loss and gradients are NaN on both ranks, so both skip the batch.
        var options = WithRanks(rig.Options((n, model) =>
        {
            if (n != 4) return;
            using var _ = Torch.NoGrad();
            var weight = model.Module.Parameters().First().Value;
            if (Interlocked.Increment(ref attempts) == 1)
            {
                clean = weight.Contiguous().ToArray<float>();
                weight.FillInPlace(double.NaN);
            }
            else if (attempts == 2)
                using (var back = Torch.From(clean!, weight.Shape)) weight.CopyInPlace(back);
        }));
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("skipped", rig.Config([.. TwoRanks, "session.on-non-finite=skip-batch"]), options));

        // Completed: the checkpoints of steps 6 and 8 found every rank's weights equal.
        Assert.True(outcome.End == SessionEnd.Completed, outcome.Reason);
        var state = await rig.ReadAsync("skipped");
        Assert.Equal(4, Assert.Single(state.Skips).Step);
        Assert.Equal(8, state.Step);
    }

    [Fact]
    public async Task A_session_that_cannot_start_ranks_refuses_a_world_size_above_one_before_journaling()
    {
        await using var rig = new SessionRig(corpus);
        var e = await Assert.ThrowsAsync<StlmException>(() => TrainingSession.StartNew("lonely", rig.Config(TwoRanks), rig.Options()));
        Assert.Equal("training.data-parallel.world-size = 2 needs 2 ranks and nothing here starts them: train with `stlm train --nproc 2` (ranks on this machine)", e.Message);
        Assert.False((await rig.ReadAsync("lonely")).Exists);
    }
}
