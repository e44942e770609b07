using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionNonFiniteTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    /// <summary>Makes one weight NaN before the first attempt of <paramref name="step"/>, so its loss is NaN.</summary>
    static Action<long, ILanguageModel> PoisonOnce(long step)
    {
        var done = 0;
        return (n, model) =>
        {
            if (n != step || Interlocked.Exchange(ref done, 1) == 1) return;
            using var _ = Torch.NoGrad();
            model.Module.Parameters().First().Value.FillInPlace(double.NaN);
        };
    }

    /// <summary>
    /// Makes one weight NaN before the first attempt of <paramref name="step"/> and puts it back
    /// before the retry: had the bad update been applied, every weight and moment would be NaN by then.
    /// </summary>
    static Action<long, ILanguageModel> PoisonOnceThenHeal(long step)
    {
        var attempts = 0;
        float[]? clean = null;
        return (n, model) =>
        {
            if (n != step) return;
            using var _ = Torch.NoGrad();
            var weight = model.Module.Parameters().First().Value;
            switch (Interlocked.Increment(ref attempts))
            {
                case 1:
                    clean = weight.Contiguous().ToArray<float>();
                    weight.FillInPlace(double.NaN);
                    break;
                case 2:
                    using (var back = Torch.From(clean!, weight.Shape))
                        weight.CopyInPlace(back);
                    break;
            }
        };
    }

    [Fact]
    public async Task Stop_fails_the_run_at_the_non_finite_step()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("stop", rig.Config("session.on-non-finite=stop"), rig.Options(PoisonOnce(4))));

        Assert.Equal(SessionEnd.Failed, outcome.End);
        Assert.StartsWith("step 4 has a non-finite loss NaN", outcome.Reason);
        var state = await rig.ReadAsync("stop");
        Assert.Equal(RunStatus.Failed, state.Status);
        Assert.Equal(3, state.Step);
        Assert.Contains("session.on-non-finite", state.StatusReason);
    }

    [Fact]
    public async Task Skip_batch_undoes_the_bad_update_and_trains_the_step_on_the_next_batch()
    {
        await using var rig = new SessionRig(corpus);
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("skip", rig.Config("session.on-non-finite=skip-batch"), rig.Options(PoisonOnceThenHeal(4))));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var state = await rig.ReadAsync("skip");
        var skip = Assert.Single(state.Skips);
        Assert.Equal(4, skip.Step);
        Assert.True(double.IsNaN(skip.Loss));
        // Had the NaN update stayed, every later step would be NaN too and skipped.
        Assert.Equal(8, state.Losses.Count);
        Assert.All(state.Losses, l => Assert.True(double.IsFinite(l)));
        var step4 = rig.Events.OfType<StepEvent>().Single(e => e.Step.Step == 4).Step;
        var step3 = rig.Events.OfType<StepEvent>().Single(e => e.Step.Step == 3).Step;
        Assert.Equal(step3.Cursor, skip.From);
        Assert.NotEqual(skip.Cursor, step4.Cursor);
        Assert.Single(rig.Events.OfType<StepSkippedEvent>());
    }

    [Fact]
    public async Task Skip_batch_retries_the_step_from_exactly_the_weights_before_the_bad_one()
    {
        await using var rig = new SessionRig(corpus);
        var seen = new List<Dictionary<string, float[]>>();
        var poison = PoisonOnceThenHeal(4);
        var attempt = 0;
        await SessionRig.Finish(await TrainingSession.StartNew("skipped", rig.Config("session.on-non-finite=skip-batch"), rig.Options((n, model) =>
        {
            // Seen before the poison on the first attempt, after the heal on the retry.
            if (n == 4 && ++attempt == 2) poison(n, model);
            if (n == 4)
                seen.Add(model.Module.StateDict().ToDictionary(e => e.Key, e => e.Value.Contiguous().ToArray<float>()));
            if (n == 4 && attempt == 1) poison(n, model);
        })));

        Assert.Equal(2, seen.Count); // the poisoned attempt and the retry
        Assert.Equal(seen[0].Keys, seen[1].Keys);
        foreach (var (name, weights) in seen[0])
            Assert.Equal(weights, seen[1][name]);
    }

    [Fact]
    public async Task Skip_batch_with_no_bad_step_trains_bit_for_bit_as_stop()
    {
        await using var rig = new SessionRig(corpus);
        var stop = await SessionRig.Finish(await TrainingSession.StartNew("plain", rig.Config("session.on-non-finite=stop"), rig.Options()));
        var skip = await SessionRig.Finish(await TrainingSession.StartNew("guarded", rig.Config("session.on-non-finite=skip-batch"), rig.Options()));

        Assert.Equal((SessionEnd.Completed, SessionEnd.Completed), (stop.End, skip.End));
        var (plain, guarded) = (await rig.ReadAsync("plain"), await rig.ReadAsync("guarded"));
        Assert.Equal(8, guarded.Losses.Count);
        Assert.Empty(guarded.Skips);
        Assert.Equal(plain.Losses.Select(BitConverter.DoubleToInt64Bits), guarded.Losses.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(await rig.FinalStateBytes("plain"), await rig.FinalStateBytes("guarded"));
    }

    [Fact]
    public async Task Rollback_returns_to_the_last_checkpoint_with_a_lower_learning_rate()
    {
        await using var rig = new SessionRig(corpus);
        var config = rig.Config("session.on-non-finite=rollback", "session.rollback-lr-factor=0.5");
        var outcome = await SessionRig.Finish(await TrainingSession.StartNew("rollback", config, rig.Options(PoisonOnce(5))));

        Assert.Equal(SessionEnd.Completed, outcome.End);
        var state = await rig.ReadAsync("rollback");
        var rolledBack = Assert.Single(state.Rollbacks);
        Assert.Equal(5, rolledBack.FailedStep);
        Assert.Equal(3, rolledBack.ToStep);
        Assert.Equal(state.Checkpoints.Single(c => c.Step == 3).Hash, rolledBack.CheckpointHash);
        var lowered = Assert.Single(state.Overrides);
        Assert.Equal(("lr", 4L, "*0.5"), (lowered.What, lowered.FromStep, lowered.Value));
        Assert.Equal(8, state.Step);
        Assert.Equal(8 * 4 * 32, state.Tokens);

        var schedule = TrainingRecipe.From(config).ScheduleSet();
        var retrained = rig.Events.OfType<StepEvent>().Last(e => e.Step.Step == 4).Step;
        Assert.Equal(schedule.At(3).LearningRate * 0.5, retrained.Lr);
        Assert.Single(rig.Events.OfType<RolledBackEvent>());
    }

    [Fact]
    public async Task A_pause_during_a_rollback_never_checkpoints_the_bad_weights()
    {
        await using var rig = new SessionRig(corpus);
        var config = rig.Config("session.on-non-finite=rollback");
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var poison = PoisonOnce(5);
        var session = await TrainingSession.StartNew("interrupted", config, rig.Options((n, model) =>
        {
            poison(n, model);
            if (n == 5) SessionRig.PauseDuringStep(started.Task.Result);
        }));
        started.SetResult(session);
        var paused = await SessionRig.Finish(session);

        Assert.Equal(SessionEnd.Paused, paused.End);
        var state = await rig.ReadAsync("interrupted");
        Assert.Equal(3, state.Step);
        Assert.Equal([3L], state.LiveCheckpoints.Select(c => c.Step));

        var resumed = await SessionRig.Finish(await TrainingSession.Resume("interrupted", rig.Options()));
        Assert.Equal(SessionEnd.Completed, resumed.End);
        Assert.All((await rig.ReadAsync("interrupted")).Losses, l => Assert.True(double.IsFinite(l)));
    }
}
