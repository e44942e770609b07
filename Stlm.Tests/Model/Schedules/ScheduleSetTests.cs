using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Tests.Model.Schedules;

public class ScheduleSetTests
{
    static readonly SchedulesConfig Constant = new SchedulesConfig() with
    {
        LearningRate = new LearningRateSchedule(LearningRateKind.Constant, Peak: 1e-3, WarmupSteps: 0, Steps: 1000),
    };

    static ScheduleSet With(SchedulesConfig config, params string[] overrides) => new(config, [.. overrides.Select(o => ScheduleOverride.Parse(o))]);

    [Fact]
    public void Without_overrides_it_answers_the_configured_schedules()
    {
        var config = new SchedulesConfig();
        var v = new ScheduleSet(config).At(15000);
        Assert.Equal(15000, v.Step);
        Assert.Equal(config.LearningRate.At(15000), v.LearningRate);
        Assert.Equal(0.1, v.Dropout);
        Assert.True(v.EarlyExit.SameAs(config.EarlyExit.At(15000)));
    }

    [Fact]
    public void A_set_override_replaces_the_value_from_its_step_on()
    {
        var set = With(Constant, "lr=3e-4@100");
        Assert.Equal(1e-3, set.At(99).LearningRate);
        Assert.Equal(3e-4, set.At(100).LearningRate);
        Assert.Equal(3e-4, set.At(5000).LearningRate);
    }

    [Fact]
    public void Of_two_active_set_overrides_the_later_one_wins()
    {
        var set = With(Constant, "lr=3e-4@100", "lr=5e-4@50");
        Assert.Equal(1e-3, set.At(49).LearningRate);
        Assert.Equal(5e-4, set.At(60).LearningRate);
        Assert.Equal(5e-4, set.At(150).LearningRate);
        var reversed = With(Constant, "lr=5e-4@50", "lr=3e-4@100");
        Assert.Equal(5e-4, reversed.At(60).LearningRate);
        Assert.Equal(3e-4, reversed.At(150).LearningRate);
    }

    [Fact]
    public void A_scale_override_multiplies_the_schedule_and_keeps_its_shape()
    {
        var config = new SchedulesConfig();
        var plain = new ScheduleSet(config);
        var halved = With(config, "lr*=0.5@10000");
        Assert.Equal(plain.At(9999).LearningRate, halved.At(9999).LearningRate);
        foreach (var step in new long[] { 10000, 15000, 24999, 30000 })
            Assert.Equal(plain.At(step).LearningRate * 0.5, halved.At(step).LearningRate);
    }

    [Fact]
    public void Scales_compound_and_a_later_set_resets_them()
    {
        var set = With(Constant, "lr*=0.5@10", "lr*=0.5@20", "lr=2e-4@30", "lr*=0.5@40");
        Assert.Equal(5e-4, set.At(10).LearningRate);
        Assert.Equal(2.5e-4, set.At(20).LearningRate);
        Assert.Equal(2e-4, set.At(30).LearningRate);
        Assert.Equal(1e-4, set.At(40).LearningRate);
    }

    [Fact]
    public void Dropout_and_early_exit_overrides_change_only_their_own_values()
    {
        var config = Constant with { EarlyExit = new EarlyExitSchedule(NLayers: 4, MaxLayerDropout: 0.2, LossScale: 1.0) };
        var set = With(config, "dropout=0@5", "layer-dropout*=0.5@5", "exit-loss-scale=0@5");
        var before = set.At(4);
        var after = set.At(5);
        Assert.Equal(0.1, before.Dropout);
        Assert.Equal(0.0, after.Dropout);
        Assert.Equal(0.2, before.EarlyExit.LayerDropout[^1]);
        Assert.Equal(0.1, after.EarlyExit.LayerDropout[^1]);
        Assert.Equal(new double[] { 0, 0.1, 0.3, 0.6 }, before.EarlyExit.ExitLossWeights.Select(w => Math.Round(w, 12)));
        Assert.Equal(new double[] { 0, 0, 0, 1 }, after.EarlyExit.ExitLossWeights);
        Assert.Equal(before.LearningRate, after.LearningRate);
    }

    [Fact]
    public void A_scale_that_could_push_a_probability_to_one_is_refused_up_front()
    {
        var e = Assert.Throws<StlmException>(() => With(Constant, "dropout*=4@100", "dropout*=3@200"));
        Assert.Contains("dropout*=3@200", e.Message);
        Assert.Contains("below 1", e.Message);
        With(Constant, "dropout*=4@100");   // 0.4 at most: fine
    }

    [Fact]
    public void Same_config_and_step_give_the_same_values_in_any_order_of_asking()
    {
        var config = new SchedulesConfig() with
        {
            Dropout = new DropoutSchedule(DropoutKind.Triangle),
            EarlyExit = new EarlyExitSchedule(MaxLayerDropout: 0.2, LossScale: 0.5, Curriculum: ExitCurriculum.Rotational, LayerDropoutRamp: LayerDropoutRamp.Exponential),
        };
        string[] overrides = ["lr*=0.5@9000", "dropout=0.05@20000"];
        var a = With(config, overrides);
        var b = With(config, overrides);
        var steps = Enumerable.Range(0, 200).Select(i => (long)(i * 137 % 26000)).ToList();
        var forward = steps.Select(a.At).ToList();
        var backward = Enumerable.Reverse(steps).Select(b.At).Reverse().ToList();
        for (var i = 0; i < steps.Count; i++)
        {
            Assert.True(forward[i].SameAs(backward[i]), $"step {steps[i]}");
            Assert.True(forward[i].SameAs(a.At(steps[i])), $"step {steps[i]} asked twice");
        }
    }
}
