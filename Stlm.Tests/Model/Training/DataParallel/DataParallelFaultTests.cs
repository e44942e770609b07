using System.Diagnostics;
using Stlm.Host.Bench;
using Stlm.Model;

namespace Stlm.Tests.Model.Training.DataParallel;

public class DataParallelFaultTests
{
    [Fact]
    public void A_rank_killed_mid_run_makes_the_survivor_exit_with_one_clear_line_within_the_timeout()
    {
        using var corpus = new TrainingCorpus();
        using var reports = new Stlm.Tests.Support.TempDirectory();
        const double timeout = 15;
        var spec = new DataParallelSpec(corpus.ShardDirectory, reports.Path, WorldSize: 2, Batch: 2, GradAccum: 1, Steps: 1_000_000,
            TimeoutSeconds: timeout, CheckEvery: 0);
        using var launch = DataParallelLaunch.Start(spec);
        var (survivor, victim) = (launch.Ranks[0], launch.Ranks[1]);
        var waiting = Stopwatch.StartNew();
        while (victim.StepsDone < 3 && !victim.Process.HasExited && waiting.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(20);
        Assert.True(victim.StepsDone >= 3, $"rank 1 never got going: {victim.Stderr}");

        victim.Process.Kill(); // SIGKILL: no chance to say goodbye
        var since = Stopwatch.StartNew();
        Assert.True(survivor.Process.WaitForExit(TimeSpan.FromSeconds(timeout + 20)), "the survivor hung in a collective");
        survivor.Process.WaitForExit();

        Assert.True(since.Elapsed < TimeSpan.FromSeconds(timeout + 10), $"the survivor took {since.Elapsed.TotalSeconds:F1}s");
        Assert.NotEqual(0, survivor.Process.ExitCode);
        var lines = survivor.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.Contains("data-parallel rank 0 of 2", line);
        Assert.Contains("another rank died or did not answer", line);
    }

    [Fact]
    public void Ranks_whose_weights_drift_apart_both_stop_at_the_next_hash_check()
    {
        using var corpus = new TrainingCorpus();
        using var reports = new Stlm.Tests.Support.TempDirectory();
        var spec = new DataParallelSpec(corpus.ShardDirectory, reports.Path, WorldSize: 2, Batch: 2, GradAccum: 1, Steps: 8,
            CheckEvery: 2, NudgeRank1AfterStep: 2);
        using var launch = DataParallelLaunch.Start(spec);
        var error = Assert.Throws<StlmException>(() => launch.Wait(TimeSpan.FromMinutes(2)));
        Assert.Contains("data-parallel ranks diverged at step 4: the weights of rank(s) 1 differ from rank 0's", error.Message);
        Assert.All(launch.Ranks, r => Assert.True(r.Process.WaitForExit(TimeSpan.FromSeconds(30)) && r.Process.ExitCode == 2, $"rank {r.Index}: {r.Stderr}"));
    }
}
