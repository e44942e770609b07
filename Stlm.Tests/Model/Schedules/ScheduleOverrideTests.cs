using Stlm.Model;
using Stlm.Model.Schedules;

namespace Stlm.Tests.Model.Schedules;

public class ScheduleOverrideTests
{
    [Theory]
    [InlineData("lr=3e-4", "lr", 0, 3e-4, OverrideMode.Set)]
    [InlineData(" LR = 3e-4 ", "lr", 0, 3e-4, OverrideMode.Set)]
    [InlineData("lr*=0.5@1200", "lr", 1200, 0.5, OverrideMode.Scale)]
    [InlineData("dropout=0@10", "dropout", 10, 0.0, OverrideMode.Set)]
    [InlineData("layer-dropout=0.1", "layer-dropout", 0, 0.1, OverrideMode.Set)]
    [InlineData("exit-loss-scale*=2", "exit-loss-scale", 0, 2.0, OverrideMode.Scale)]
    public void Parses_set_and_scale_forms_with_an_optional_step(string text, string what, long from, double value, OverrideMode mode)
    {
        Assert.Equal(new ScheduleOverride(what, from, value, mode), ScheduleOverride.Parse(text));
    }

    [Fact]
    public void A_step_in_the_text_wins_over_the_default_step()
    {
        Assert.Equal(500, ScheduleOverride.Parse("lr=1e-3", defaultFromStep: 500).FromStep);
        Assert.Equal(7, ScheduleOverride.Parse("lr=1e-3@7", defaultFromStep: 500).FromStep);
    }

    [Fact]
    public void Round_trips_through_its_text_form()
    {
        var o = new ScheduleOverride("lr", 1200, 0.5, OverrideMode.Scale);
        Assert.Equal("lr*=0.5@1200", o.ToString());
        Assert.Equal(o, ScheduleOverride.Parse(o.ToString()));
    }

    [Theory]
    [InlineData("lr", "expected name=value")]
    [InlineData("=3", "expected name=value")]
    [InlineData("momentum=0.9", "unknown schedule `momentum`")]
    [InlineData("lr=fast", "`fast` is not a number")]
    [InlineData("lr=-1e-4", "must not be negative")]
    [InlineData("dropout=1", "probability")]
    [InlineData("lr=1e-4@soon", "not a step number")]
    public void Bad_text_gives_one_actionable_line(string text, string expected)
    {
        var e = Assert.Throws<StlmException>(() => ScheduleOverride.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.Contains(text, e.Message);
        Assert.Contains("e.g. lr=3e-4", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
