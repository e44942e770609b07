using Stlm.Model.Schedules;

namespace Stlm.Tests.Model.Schedules;

public class LearningRateScheduleTests
{
    // The paper's baseline: peak 6e-4, 5k warmup, 25k steps; floor peak / 10.
    static readonly LearningRateSchedule Cosine = new(LearningRateKind.Cosine, Peak: 6e-4, MinLr: 6e-5, WarmupSteps: 5000, Steps: 25000);

    [Fact]
    public void Warmup_starts_above_zero_and_reaches_the_peak_exactly_at_its_end()
    {
        Assert.Equal(6e-4 / 5001, Cosine.At(0), 15);
        Assert.Equal(6e-4 * 5000 / 5001, Cosine.At(4999), 15);
        Assert.Equal(6e-4, Cosine.At(5000));
    }

    [Fact]
    public void Cosine_is_halfway_between_peak_and_floor_in_the_middle_of_the_decay()
    {
        Assert.Equal(3.3e-4, Cosine.At(15000), 15);
    }

    [Fact]
    public void Cosine_reaches_the_floor_one_past_the_last_step_and_stays_there()
    {
        var last = Cosine.At(24999);
        Assert.True(last > 6e-5 && last - 6e-5 < 1e-11, $"last step lr {last}");
        Assert.Equal(6e-5, Cosine.At(25000));
        Assert.Equal(6e-5, Cosine.At(1_000_000));
    }

    [Fact]
    public void Linear_decays_in_a_straight_line_to_the_floor()
    {
        var linear = Cosine with { Kind = LearningRateKind.Linear };
        Assert.Equal(6e-4, linear.At(5000));
        Assert.Equal(4.65e-4, linear.At(10000), 15);
        Assert.Equal(3.3e-4, linear.At(15000), 15);
        Assert.Equal(6e-5, linear.At(25000));
        Assert.Equal(6e-5, linear.At(30000));
    }

    [Fact]
    public void Constant_holds_the_peak_after_warmup_and_beyond_the_run()
    {
        var constant = Cosine with { Kind = LearningRateKind.Constant };
        Assert.Equal(6e-4 / 5001, constant.At(0), 15);
        Assert.Equal(6e-4, constant.At(5000));
        Assert.Equal(6e-4, constant.At(25000));
        Assert.Equal(6e-4, (constant with { WarmupSteps = 0 }).At(0));
    }

    [Theory]
    [InlineData(DecayShape.Linear, 900, 0.5)]
    [InlineData(DecayShape.Cosine, 900, 0.5)]
    [InlineData(DecayShape.Sqrt, 850, 0.5)]
    [InlineData(DecayShape.Sqrt, 928, 0.2)]
    public void Warmup_stable_decay_holds_the_peak_then_decays_over_the_last_fraction(DecayShape shape, long step, double expected)
    {
        var wsd = new LearningRateSchedule(LearningRateKind.WarmupStableDecay, Peak: 1.0, MinLr: 0.0, WarmupSteps: 100, Steps: 1000, DecayFraction: 0.2, DecayShape: shape);
        Assert.Equal(800, wsd.DecayStart);
        Assert.Equal(1.0, wsd.At(100));
        Assert.Equal(1.0, wsd.At(799));
        Assert.Equal(1.0, wsd.At(800));
        Assert.Equal(expected, wsd.At(step), 12);
        Assert.Equal(0.0, wsd.At(1000));
        Assert.Equal(0.0, wsd.At(5000));
    }

    [Fact]
    public void Warmup_stable_decay_rounds_the_decay_length_half_away_from_zero()
    {
        var wsd = new LearningRateSchedule(LearningRateKind.WarmupStableDecay, WarmupSteps: 0, Steps: 10, DecayFraction: 0.25);
        Assert.Equal(7, wsd.DecayStart);
    }

    [Theory]
    [InlineData(LearningRateKind.Cosine)]
    [InlineData(LearningRateKind.Linear)]
    [InlineData(LearningRateKind.WarmupStableDecay)]
    [InlineData(LearningRateKind.Constant)]
    public void Rises_strictly_through_warmup_and_never_rises_after_it(LearningRateKind kind)
    {
        var s = new LearningRateSchedule(kind, WarmupSteps: 50, Steps: 500, DecayShape: DecayShape.Sqrt);
        for (var step = 1; step <= 50; step++) Assert.True(s.At(step) > s.At(step - 1), $"{kind} at {step}");
        for (var step = 51; step <= 600; step++) Assert.True(s.At(step) <= s.At(step - 1), $"{kind} at {step}");
    }
}
