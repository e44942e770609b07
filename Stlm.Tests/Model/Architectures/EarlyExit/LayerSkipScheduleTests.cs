using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Schedules;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Tests.Model.Architectures.EarlyExit;

/// <summary>The schedules' early-exit values reach LayerSkipLm each training step (ILanguageModel.ApplySchedule).</summary>
public class LayerSkipScheduleTests
{
    static readonly ModelConfig Tiny = TinyCores.LayerSkip;

    static readonly EarlyExitSchedule On = new(NLayers: 4, Steps: 100, MaxLayerDropout: 0.3, LayerDropoutRamp: LayerDropoutRamp.Linear,
        LossScale: 1.0, Curriculum: Stlm.Model.Schedules.ExitCurriculum.Rotational, RotationInterval: 2);

    static ScheduleValues At(long step, EarlyExitPolicy policy) => new(step, 1e-3, 0.0, policy);

    [Fact]
    public void A_schedule_that_is_on_sets_each_layers_dropout_and_exit_weight_for_the_step()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(Tiny, seed: 1);
        foreach (var step in new long[] { 0, 49, 50, 99 })
        {
            var policy = On.At(step);
            ((ILanguageModel)model).ApplySchedule(At(step, policy));

            Assert.Equal(policy.LayerDropout, model.LayerDropoutRateByLayer);
            Assert.Equal(policy.ExitLossWeights, model.ExitLossWeights);
        }
        Assert.NotEqual(On.At(49).ExitLossWeights, On.At(50).ExitLossWeights);   // the rotation moved on
        Assert.True(On.At(99).LayerDropout[3] > On.At(49).LayerDropout[3]);       // the ramp rose
    }

    [Fact]
    public void A_schedule_that_is_off_leaves_the_models_own_curriculum_in_charge_at_each_step()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(Tiny, seed: 1);
        var off = new EarlyExitSchedule(NLayers: 4);
        var ownRates = LayerDropoutRates.Of(4, Tiny.EarlyExit.MaxLayerDropout, Tiny.EarlyExit.LayerDropoutCurve);

        foreach (var step in new long[] { 0, 1, 2 })
        {
            model.ApplySchedule(At(step, off.At(step)));
            Assert.Equal(Stlm.Model.Architectures.ExitCurriculum.Weights(Tiny, step), model.ExitLossWeights);
            Assert.Equal(ownRates, model.LayerDropoutRateByLayer);
        }
    }

    [Fact]
    public void The_training_step_applies_the_schedule_so_its_loss_is_the_policys_weighted_exit_loss()
    {
        using var scope = TorchScope.Begin();
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0 }), seed: 2);
        var tokens = TinyCores.Ids(2, 9, 64, seed: 3).ToArray<long>();
        var inputs = Enumerable.Range(0, 2).SelectMany(r => tokens.Skip(r * 9).Take(8)).ToArray();
        var targets = Enumerable.Range(0, 2).SelectMany(r => tokens.Skip(r * 9 + 1).Take(8)).ToArray();
        var micro = new MicroBatch(2, 8, inputs, targets);
        var policy = new EarlyExitSchedule(NLayers: 4, LossScale: 2.0).At(0);   // every exit on, no layer dropout

        double expected;
        using (Torch.NoGrad())
        {
            var (x, y) = micro.ToTensors(Device.Cpu);
            var hidden = model.EmbedTokens.Forward(x);
            var rope = model.Model.Rotary.Angles(0, 8);
            expected = 0;
            for (var l = 0; l < 4; l++)
            {
                hidden = model.Model.Layers[l].Forward(hidden, rope);
                var logits = model.Exit(hidden);
                expected += policy.ExitLossWeights[l] * F.CrossEntropy(logits.Reshape(-1, 64), y.Reshape(-1)).ToDouble();
            }
        }
        using var optimizer = TrainStep.AdamWFor(model, new Stlm.Model.LibTorch.Optim.AdamWOptions(Lr: 1e-3));
        var step = new TrainStep(model, optimizer, new TrainStepOptions());

        var result = step.Run(At(0, policy), [micro]);

        Assert.Equal(policy.ExitLossWeights, model.ExitLossWeights);
        Assert.Equal(expected, result.Loss, 5);
    }

    [Fact]
    public void Scheduled_layer_dropout_skips_blocks_in_training_and_never_in_evaluation()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LayerSkipLm(TinyCores.WithEarlyExit(e => e with { MaxLayerDropout = 0 }), seed: 5);
        var ids = TinyCores.Ids(4, 8, 64, seed: 6);
        model.Eval();
        var plain = model.Forward(ids);

        // Rate 1 skips every block for every row (rand in [0, 1) is never >= 1), whatever the generator holds.
        model.ApplySchedule(At(7, new EarlyExitPolicy([1.0, 1.0, 1.0, 1.0], [0, 0, 0, 1])));
        model.Train();
        var skipped = model.Forward(ids);
        model.Eval();
        var evaluated = model.Forward(ids);

        var embeddingsOnly = model.Exit(model.EmbedTokens.Forward(ids));   // every block skipped
        Assert.True(TinyCores.MaxAbsDifference(skipped, embeddingsOnly) < 1e-5);
        Assert.True(TinyCores.MaxAbsDifference(evaluated, plain) < 1e-6);
        Assert.True(TinyCores.MaxAbsDifference(skipped, plain) > 1e-3);
    }
}
