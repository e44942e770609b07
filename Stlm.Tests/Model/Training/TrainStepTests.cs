using Stlm.Actors.Configuration;
using Stlm.Actors.Schedules;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training;

/// <summary>Runs alone: the tests seed and read the process-wide random generator.</summary>
[Collection(nameof(TorchGlobalState))]
public class TrainStepTests(TrainingCorpus corpus, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<TrainingCorpus>
{
    [Fact]
    public void Two_fresh_runs_give_bit_identical_losses_and_weights()
    {
        using var first = new TrainingRig(corpus);
        var a = first.Train(20);
        var weightsA = first.Weights();
        using var second = new TrainingRig(corpus);
        var b = second.Train(20);

        Assert.Equal(a, b);
        Assert.All(second.Weights(), e => Assert.Equal(weightsA[e.Key], e.Value));
        output.WriteLine($"loss {a[0]:F4} -> {a[^1]:F4}");
        Assert.True(a[^1] < a[0], $"loss did not fall: {a[0]} -> {a[^1]}");
    }

    [Fact]
    public void Resume_from_captured_state_continues_bit_identically_to_a_straight_run()
    {
        using var straight = new TrainingRig(corpus);
        var expected = straight.Train(20);

        TrainingState state;
        List<double> head;
        using (var before = new TrainingRig(corpus))
        {
            head = before.Train(10);
            state = TrainingState.Capture(before.NextStep, before.Llama, before.Optimizer, before.Cursor);
            Torch.ManualSeed(999);   // whatever happens to the generator in between is undone by the restore
        }
        using (state)
        using (var after = new TrainingRig(corpus, seed: 11))
        {
            after.Llama.InitializeWeights(12345);   // fresh, different weights: all must come from the state
            (after.NextStep, after.Cursor) = state.RestoreInto(after.Llama, after.Optimizer);
            var tail = after.Train(10);

            Assert.Equal(expected, head.Concat(tail).ToList());
            var weights = straight.Weights();
            Assert.All(after.Weights(), e => Assert.Equal(weights[e.Key], e.Value));
        }
    }

    /// <summary>The optimizer's step counts and every state tensor's bits (the lr is set by each step's schedule, not by updates).</summary>
    static (string Record, Dictionary<string, float[]> Tensors) Moments(TrainingRig rig)
    {
        var state = rig.Optimizer.ExportState();
        return (string.Join(",", state.Record.Steps), state.Tensors.ToDictionary(e => e.Key, e => e.Value.Contiguous().ToArray<float>()));
    }

    [Fact]
    public void A_step_that_skips_non_finite_updates_computes_the_same_bits_and_leaves_a_bad_batch_without_any_update()
    {
        using var plain = new TrainingRig(corpus, dropout: 0);
        using var guarded = new TrainingRig(corpus, dropout: 0);
        plain.Train(3);
        guarded.Train(3); // the moments are no longer zero
        var (micro, _) = guarded.Batches.Read(guarded.Cursor);

        var a = plain.Step.Run(plain.Schedule(3), micro);
        var b = guarded.Step.Run(guarded.Schedule(3), micro, skipNonFinite: true);
        Assert.True(b.Updated);
        Assert.Equal((BitConverter.DoubleToInt64Bits(a.Loss), BitConverter.DoubleToInt64Bits(a.GradNorm)),
            (BitConverter.DoubleToInt64Bits(b.Loss), BitConverter.DoubleToInt64Bits(b.GradNorm)));
        var weights = plain.Weights();
        Assert.All(guarded.Weights(), e => Assert.Equal(weights[e.Key], e.Value));

        var (poisoned, weight) = guarded.Llama.NamedParameters().First();
        var before = guarded.Weights();
        var moments = Moments(guarded);
        using (Torch.NoGrad()) weight.Value.FillInPlace(double.NaN);
        var bad = guarded.Step.Run(guarded.Schedule(4), micro, skipNonFinite: true);

        Assert.False(bad.Updated);
        Assert.True(double.IsNaN(bad.Loss));
        Assert.All(guarded.Weights().Where(e => e.Key != poisoned), e => Assert.Equal(before[e.Key], e.Value));
        var after = Moments(guarded);
        Assert.Equal(moments.Record, after.Record);
        Assert.All(after.Tensors, e => Assert.Equal(moments.Tensors[e.Key], e.Value));
    }

    [Fact]
    public void Two_micro_batches_of_half_size_match_one_full_batch_within_float_tolerance()
    {
        // Not bitwise: the full batch sums the per-token losses in one reduction, the halves in two
        // reductions whose gradients are then added, and float addition is not associative.
        using var whole = new TrainingRig(corpus, microBatch: 8, gradAccum: 1, dropout: 0);
        using var halves = new TrainingRig(corpus, microBatch: 4, gradAccum: 2, dropout: 0);
        var a = whole.Train(5);
        var b = halves.Train(5);

        Assert.Equal(whole.Cursor, halves.Cursor);
        for (var i = 0; i < a.Count; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-4, $"step {i}: {a[i]} vs {b[i]}");
        var weights = whole.Weights();
        var worst = halves.Weights().Max(e => e.Value.Zip(weights[e.Key], (x, y) => Math.Abs(x - y)).Max());
        output.WriteLine($"largest weight difference after 5 steps: {worst:E2}");
        Assert.True(worst < 1e-4, $"weights differ by up to {worst}");
    }

    [Fact]
    public void Schedule_values_reach_the_optimizer_and_the_model_at_every_step()
    {
        var config = ConfigLoader.Load(null, [
            "training.max-steps=12", "schedules.learning-rate.warmup-steps=3",
            "schedules.dropout.kind=linear", "schedules.dropout.start-p=0.3", "schedules.dropout.p=0.0",
            "schedules.dropout.end-step=12", "schedules.early-exit.n-layers=2"]);
        var schedules = new ScheduleSet(SchedulesSection.Load(config));
        using var rig = new TrainingRig(corpus);
        for (long step = 0; step < 12; step++)
        {
            var values = schedules.At(step);
            var (micro, next) = rig.Batches.Read(rig.Cursor);
            var result = rig.Step.Run(values, micro);
            rig.Cursor = next;

            Assert.Equal(values.LearningRate, result.LearningRate);
            for (var g = 0; g < rig.Optimizer.GroupCount; g++) Assert.Equal(values.LearningRate, rig.Optimizer.GetLr(g));
            Assert.Equal([values.Dropout], rig.Llama.DropoutValues());
            Assert.Equal(values.Dropout, result.Dropout);
        }
        Assert.NotEqual(schedules.At(0).LearningRate, schedules.At(11).LearningRate);
        Assert.NotEqual(schedules.At(0).Dropout, schedules.At(11).Dropout);
    }

    [Fact]
    public void Step_result_counts_tokens_and_measures_the_gradient_norm()
    {
        using var rig = new TrainingRig(corpus, microBatch: 3, gradAccum: 2);
        var (micro, _) = rig.Batches.Read(rig.Cursor);
        var result = rig.Step.Run(rig.Schedule(0), micro);
        Assert.Equal(2 * 3 * TrainingRig.Tiny.ContextLength, result.Tokens);
        Assert.True(result.GradNorm > 0 && result.IsFinite);
        Assert.All(rig.Llama.Parameters(), p => Assert.Null(p.Grad));
    }
}
