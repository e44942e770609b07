using Stlm.Actors.Training.Run;

namespace Stlm.Tests.EndToEnd;

/// <summary>DESIGN.md §5.6: two writers of one run cannot both win.</summary>
public class ConcurrentResumeTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public void Two_processes_resuming_one_run_at_once_one_trains_and_the_other_says_why()
    {
        using var data = new DataFolder();
        // A run whose process died at its first checkpoint: resumable, with most of its steps to go.
        using (var first = StlmChild.Start(data.Path, data.WithFault("checkpoint:rename"), TinyRun.Train("both", 100)))
        {
            Assert.True(first.WaitForFault(Timeout) is not null, first.StdErr);
            first.Kill();
            data.ExpectLeaseLeftBy("both", first);
        }

        using var a = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("both"));
        using var b = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("both"));
        var (exitA, exitB) = (a.WaitForExit(Timeout), b.WaitForExit(Timeout));

        Assert.True((exitA == 0) != (exitB == 0), $"exits {exitA} and {exitB}:\n{a.StdErr}\n---\n{b.StdErr}");
        var loser = exitA == 0 ? b : a;
        var winner = exitA == 0 ? a : b;
        var said = Assert.Single(TinyRun.Said(loser.StdErr));
        Assert.Matches($"^stlm: run both is being trained by pid {winner.Pid} on node .+", said);
        Assert.DoesNotContain("   at ", loser.StdErr);

        var events = data.Events("both");
        var resumed = Assert.Single(events.OfType<Resumed>());
        Assert.Equal(winner.Pid, resumed.ProcessId);
        Assert.Equal(RunStatus.Completed, data.Run("both").Status);
        Assert.Equal(Enumerable.Range(1, 100).Select(s => (long)s), data.Steps("both").Select(s => s.Step));
    }
}
