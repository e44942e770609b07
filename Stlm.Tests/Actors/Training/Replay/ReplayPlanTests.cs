using Stlm.Actors.Training.Replay;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Actors.Training.Replay;

public class ReplayPlanTests
{
    /// <summary>Steps 1..10 with checkpoints at 3, 6 and 9 (the one at 6 deleted by retention).</summary>
    static RunState Run()
    {
        var events = new List<object> { new RunCreated { RunId = "r-1", ConfigHocon = "", ConfigHash = "c" } };
        for (long s = 1; s <= 10; s++)
        {
            events.Add(Step(s));
            if (s % 3 == 0) events.Add(new CheckpointCommitted { Step = s, ContentHash = $"h{s}", Path = $"/ck/step-{s}", Bytes = 1 });
        }
        events.Add(new CheckpointDeleted { ContentHash = "h6", Reason = "keep-last" });
        return RunState.Fold(events);
    }

    [Fact]
    public void The_whole_run_starts_from_its_beginning_and_compares_with_its_newest_checkpoint()
    {
        var plan = ReplayPlan.For(Run(), null, null, null);

        Assert.Equal((1L, 10L, 0L), (plan.FromStep, plan.ToStep, plan.Start.Step));
        Assert.Null(plan.Start.Checkpoint);
        Assert.Equal("h9", plan.Compare!.Hash);
        Assert.Equal(10, plan.StepsToRun);
    }

    [Fact]
    public void A_stretch_starts_from_the_newest_live_checkpoint_before_its_first_step()
    {
        var plan = ReplayPlan.For(Run(), null, 8, 9);

        Assert.Equal("h3", plan.Start.Checkpoint!.Hash);   // 6 is deleted
        Assert.Equal("h9", plan.Compare!.Hash);            // committed at --to
        Assert.Equal(6, plan.StepsToRun);
    }

    [Fact]
    public void A_checkpoint_at_the_first_step_is_not_a_start_because_it_holds_the_state_after_that_step()
    {
        var plan = ReplayPlan.For(Run(), null, 3, 5);

        Assert.Equal(0, plan.Start.Step);
        Assert.Equal("h3", plan.Compare!.Hash);   // none at 5: the newest within the stretch
    }

    [Fact]
    public void A_stretch_with_no_checkpoint_in_it_compares_no_weights()
    {
        var plan = ReplayPlan.For(Run(), null, 10, 10);

        Assert.Equal("h9", plan.Start.Checkpoint!.Hash);
        Assert.Null(plan.Compare);
    }

    [Fact]
    public void A_fork_starts_from_its_parents_checkpoint()
    {
        var parent = Run();
        var fork = RunState.Fold([
            new RunCreated { RunId = "r-2", Fork = new ForkOrigin { ParentRunId = "r-1", ForkStep = 9, ParentCheckpointHash = "h9" } },
            Step(10), Step(11),
        ]);

        var plan = ReplayPlan.For(fork, parent, null, null);

        Assert.Equal((10L, 11L, 9L), (plan.FromStep, plan.ToStep, plan.Start.Step));
        Assert.Equal("h9", plan.Start.Checkpoint!.Hash);
    }

    [Theory]
    [InlineData(0L, null, "--from 0: its journaled steps are 1..10")]
    [InlineData(11L, null, "--from 11")]
    [InlineData(5L, 4L, "--to 4")]
    [InlineData(null, 12L, "--to 12")]
    public void Steps_outside_the_journal_are_one_line_naming_the_journaled_range(long? from, long? to, string expected)
    {
        var e = Assert.Throws<StlmException>(() => ReplayPlan.For(Run(), null, from, to));

        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
