using Stlm.Model.Schedules;

namespace Stlm.Tests.Model.Schedules;

public class EarlyExitScheduleTests
{
    static void Close(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void Exit_loss_weights_grow_with_depth_and_sum_to_one()
    {
        // e = [0, 0+1, 0+1+2, 3 + (0+1+2)] = [0, 1, 3, 6], total 10.
        var s = new EarlyExitSchedule(NLayers: 4, LossScale: 1.0);
        Close([0, 0.1, 0.3, 0.6], s.At(0).ExitLossWeights);
    }

    [Fact]
    public void Zero_loss_scale_leaves_only_the_final_loss()
    {
        Close([0, 0, 0, 1], new EarlyExitSchedule(NLayers: 4).At(123).ExitLossWeights);
        Close([1], new EarlyExitSchedule(NLayers: 1, LossScale: 1.0).At(0).ExitLossWeights);
    }

    [Fact]
    public void Rotational_curriculum_enables_every_Rth_layer_in_turn_and_always_the_last()
    {
        var s = new EarlyExitSchedule(NLayers: 4, LossScale: 1.0, Curriculum: ExitCurriculum.Rotational, RotationInterval: 2);
        Close([0, 0, 1 / 3.0, 2 / 3.0], s.At(0).ExitLossWeights);
        Close([0, 1 / 7.0, 0, 6 / 7.0], s.At(1).ExitLossWeights);
        Close([0, 0, 1 / 3.0, 2 / 3.0], s.At(2).ExitLossWeights);
    }

    [Fact]
    public void Gradual_curriculum_enables_layers_from_the_last_to_the_first()
    {
        // L = 4, curriculum over 300 steps: one more layer every 100 steps.
        var s = new EarlyExitSchedule(NLayers: 4, LossScale: 1.0, Curriculum: ExitCurriculum.Gradual, CurriculumSteps: 300);
        Close([0, 0, 0, 1], s.At(0).ExitLossWeights);
        Close([0, 0, 0, 1], s.At(99).ExitLossWeights);
        Close([0, 0, 3 / 9.0, 6 / 9.0], s.At(100).ExitLossWeights);
        Close([0, 0.1, 0.3, 0.6], s.At(200).ExitLossWeights);
        Close([0, 0.1, 0.3, 0.6], s.At(300).ExitLossWeights);
        Close([0, 0.1, 0.3, 0.6], s.At(10_000).ExitLossWeights);
    }

    [Fact]
    public void Layer_dropout_rises_with_depth_to_the_maximum_at_the_last_layer()
    {
        Close([0, 0.2 * (Math.Sqrt(2) - 1), 0.2], new EarlyExitSchedule(NLayers: 3, MaxLayerDropout: 0.2).At(0).LayerDropout);
        Close([0, 0.05, 0.1, 0.15, 0.2],
            new EarlyExitSchedule(NLayers: 5, MaxLayerDropout: 0.2, LayerDropoutShape: LayerDropoutShape.Linear).At(7).LayerDropout);
        Close([0], new EarlyExitSchedule(NLayers: 1, MaxLayerDropout: 0.2).At(0).LayerDropout);
    }

    [Fact]
    public void Layer_dropout_ramps_up_over_training_when_asked()
    {
        var linear = new EarlyExitSchedule(NLayers: 2, Steps: 101, MaxLayerDropout: 0.2, LayerDropoutRamp: LayerDropoutRamp.Linear);
        Assert.Equal(0.0, linear.At(0).LayerDropout[1]);
        Assert.Equal(0.1, linear.At(50).LayerDropout[1], 12);
        Assert.Equal(0.2, linear.At(100).LayerDropout[1]);
        Assert.Equal(0.2, linear.At(5000).LayerDropout[1]);
        var exponential = linear with { LayerDropoutRamp = LayerDropoutRamp.Exponential };
        Assert.Equal(0.0, exponential.At(0).LayerDropout[1]);
        Assert.Equal(0.2 * (Math.Sqrt(2) - 1), exponential.At(50).LayerDropout[1], 12);
        Assert.Equal(0.2, exponential.At(100).LayerDropout[1]);
    }

    [Fact]
    public void Rates_never_fall_with_depth_and_weights_always_sum_to_one()
    {
        foreach (var curriculum in Enum.GetValues<ExitCurriculum>())
        {
            var s = new EarlyExitSchedule(NLayers: 10, Steps: 1000, MaxLayerDropout: 0.3, LossScale: 0.7, Curriculum: curriculum, RotationInterval: 3,
                CurriculumSteps: 500, LayerDropoutRamp: LayerDropoutRamp.Exponential);
            for (var step = 0; step < 1200; step += 7)
            {
                var p = s.At(step);
                for (var l = 1; l < 10; l++) Assert.True(p.LayerDropout[l] >= p.LayerDropout[l - 1]);
                Assert.Equal(1.0, p.ExitLossWeights.Sum(), 12);
                Assert.True(p.ExitLossWeights[^1] > 0);
            }
        }
    }
}
