using Stlm.Model.Schedules;

namespace Stlm.Tests.Model.Schedules;

public class DropoutScheduleTests
{
    [Fact]
    public void Constant_is_p_at_every_step()
    {
        var s = new DropoutSchedule(DropoutKind.Constant, P: 0.1);
        Assert.All(new long[] { 0, 1, 5000, 1_000_000 }, step => Assert.Equal(0.1, s.At(step)));
    }

    [Fact]
    public void Early_dropout_is_on_before_the_switch_step_and_off_from_it()
    {
        var s = new DropoutSchedule(DropoutKind.Early, P: 0.1, SwitchStep: 100);
        Assert.Equal(0.1, s.At(0));
        Assert.Equal(0.1, s.At(99));
        Assert.Equal(0.0, s.At(100));
        Assert.Equal(0.0, s.At(100_000));
    }

    [Fact]
    public void Late_dropout_is_off_before_the_switch_step_and_on_from_it()
    {
        var s = new DropoutSchedule(DropoutKind.Late, P: 0.1, SwitchStep: 100);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(0.0, s.At(99));
        Assert.Equal(0.1, s.At(100));
        Assert.Equal(0.1, s.At(100_000));
    }

    [Fact]
    public void Linear_goes_from_start_p_to_p_between_start_and_end_step()
    {
        var s = new DropoutSchedule(DropoutKind.Linear, P: 0.0, StartP: 0.1, StartStep: 100, EndStep: 300);
        Assert.Equal(0.1, s.At(0));
        Assert.Equal(0.1, s.At(100));
        Assert.Equal(0.05, s.At(200), 15);
        Assert.Equal(0.0, s.At(300));
        Assert.Equal(0.0, s.At(1000));
        for (var step = 1; step < 400; step++) Assert.True(s.At(step) <= s.At(step - 1));
    }

    [Fact]
    public void Triangle_rises_to_p_at_the_peak_step_and_falls_back()
    {
        var s = new DropoutSchedule(DropoutKind.Triangle, P: 0.2, StartP: 0.0, StartStep: 0, PeakStep: 100, EndStep: 300);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(0.1, s.At(50), 15);
        Assert.Equal(0.2, s.At(100));
        Assert.Equal(0.1, s.At(200), 15);
        Assert.Equal(0.0, s.At(300));
        Assert.Equal(0.0, s.At(400));
        for (var step = 1; step <= 100; step++) Assert.True(s.At(step) > s.At(step - 1));
        for (var step = 101; step <= 300; step++) Assert.True(s.At(step) < s.At(step - 1));
    }
}
