using Stlm.Actors.Training.Session;

namespace Stlm.Tests.Actors.Training.Session;

public class StartupTimelineTests
{
    [Fact]
    public void Phases_are_the_durations_between_first_marks_in_order()
    {
        var timeline = StartupTimeline.StartingNow();
        timeline.Mark("journal recovery");
        Thread.Sleep(20);
        timeline.Mark("first step");
        timeline.Mark("journal recovery"); // a second mark (a rollback) does not move the phase

        var phases = timeline.Phases;
        Assert.Equal(["journal recovery", "first step"], phases.Select(p => p.Phase));
        Assert.True(phases[1].Ms >= 15, $"{phases[1].Ms} ms");
        Assert.Equal(timeline.TotalMs, phases.Sum(p => p.Ms), 6);
        Assert.True(timeline.Has("first step"));
        Assert.Contains("first step", timeline.Describe());
    }

    [Fact]
    public void A_timeline_from_the_process_start_begins_with_the_runtime_phase()
    {
        var timeline = StartupTimeline.FromProcessStart();
        Assert.Equal("runtime", timeline.Phases.Single().Phase);
        Assert.True(timeline.TotalMs > 0);
    }
}
