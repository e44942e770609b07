using System.Text.Json;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// `stlm train --nproc 2` as a user runs it (real processes: rank 0 is the command, rank 1 its
/// child): one run in one journal, a rank SIGKILLed mid-run journaled as interrupted with the
/// reason and resumed bit for bit, rank 0 SIGKILLed taking rank 1 down with it and resumed bit
/// for bit, and a change of world size only by a fork.
/// </summary>
public class DataParallelTrainingTests
{
    // Long enough that the kill below lands mid-run: with the fused kernels 40 steps took 3 s, and the
    // run had finished before the test (polling the journal) found rank 1 to kill.
    const int Steps = 160;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    static string[] Train(string runId, params string[] more) =>
        [.. TinyRun.Train(runId, Steps, ["training.data-parallel.world-size=2", "training.data-parallel.timeout=20s", .. more]), "--nproc", "2"];

    [Fact]
    public void A_rank_killed_mid_run_is_journaled_as_interrupted_and_the_resumed_run_ends_bit_identical_to_one_never_stopped()
    {
        using var data = new DataFolder();
        using (var straight = StlmChild.Start(data.Path, data.Environment, Train("dp-straight")))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        // Rank 0 runs at most session.max-unjournaled-steps (4) ahead of the journal: far from the end, so the kill lands mid-run.
        var killAt = new Random().Next(3, 20);
        using (var crashy = StlmChild.Start(data.Path, data.Environment, Train("dp-crashy")))
        {
            WaitForStep(data, crashy, "dp-crashy", killAt);
            var rank1 = RankProcessOf(crashy.Pid);
            Assert.True(rank1 is not null, $"rank 1 of dp-crashy not found at step {killAt}: {crashy.StdErr}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var victim = System.Diagnostics.Process.GetProcessById(rank1.Value)) victim.Kill();
            // Rank 0 sees the socket close at once; at worst the collective times out (20 s).
            Assert.True(crashy.WaitForExit(TimeSpan.FromSeconds(60)) != 0, crashy.StdOut);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"rank 0 took {clock.Elapsed} to notice");
            var said = TinyRun.Said(crashy.StdErr);
            Assert.Contains(said, l => l.Contains("was interrupted after step") && l.Contains($"rank 1 (pid {rank1}) was killed by signal 9 (SIGKILL)")
                                       && l.Contains("resume it with: stlm resume dp-crashy"));
        }
        var interrupted = data.Run("dp-crashy");
        Assert.Equal(RunStatus.Running, interrupted.Status);
        Assert.Contains("SIGKILL", interrupted.StatusReason);
        Assert.IsType<Interrupted>(data.Events("dp-crashy")[^1]);
        var shown = Listed(data, "dp-crashy");
        Assert.Equal("interrupted", shown.GetProperty("status").GetString());
        Assert.Contains("was killed by signal 9", shown.GetProperty("statusReason").GetString());

        using (var resume = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("dp-crashy")))
            Assert.True(resume.WaitForExit(Timeout) == 0, resume.StdErr);

        AssertSameRun(data, "dp-straight", "dp-crashy", $"killed rank 1 at step {killAt}");
        Assert.Null(RankProcessOf(Environment.ProcessId, "dp-crashy"));
    }

    [Fact]
    public void Rank_0_killed_mid_run_takes_its_other_rank_down_leaves_the_run_interrupted_and_the_resumed_run_ends_bit_identical()
    {
        using var data = new DataFolder();
        using (var straight = StlmChild.Start(data.Path, data.Environment, Train("dp-straight")))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        var killAt = new Random().Next(3, 20);
        int rank1;
        using (var crashy = StlmChild.Start(data.Path, data.Environment, Train("dp-crashy")))
        {
            WaitForStep(data, crashy, "dp-crashy", killAt);
            rank1 = RankProcessOf(crashy.Pid) ?? throw new Xunit.Sdk.XunitException($"rank 1 of dp-crashy not found at step {killAt}: {crashy.StdErr}");
            crashy.Kill(); // SIGKILL rank 0, the command itself: it journals nothing more and says goodbye to no one
        }
        try
        {
            // Rank 1 waits for rank 0's next command in a broadcast: the closed socket ends it (at worst the 20 s timeout).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (RankProcessOf(Environment.ProcessId, "dp-crashy") is not null && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            Assert.True(RankProcessOf(Environment.ProcessId, "dp-crashy") is null, $"rank 1 (pid {rank1}) still runs {clock.Elapsed.TotalSeconds:F0}s after rank 0 was killed");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"rank 1 took {clock.Elapsed} to notice");
        }
        finally
        {
            if (RankProcessOf(Environment.ProcessId, "dp-crashy") is { } orphan)
                using (var p = System.Diagnostics.Process.GetProcessById(orphan)) p.Kill(entireProcessTree: true);
        }

        Assert.Equal(RunStatus.Running, data.Run("dp-crashy").Status);
        var listed = Listed(data, "dp-crashy");
        Assert.Equal("interrupted", listed.GetProperty("status").GetString());
        Assert.Contains("resume with: stlm resume dp-crashy", listed.GetProperty("statusReason").GetString());

        using (var resume = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("dp-crashy")))
            Assert.True(resume.WaitForExit(Timeout) == 0, resume.StdErr);
        AssertSameRun(data, "dp-straight", "dp-crashy", $"killed rank 0 at step {killAt}");
    }

    /// <summary>Polls the journal until <paramref name="runId"/> reached <paramref name="step"/>, the child ended, or the test's timeout passed.</summary>
    static void WaitForStep(DataFolder data, StlmChild child, string runId, long step)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!child.HasExited && data.Run(runId).Step < step && clock.Elapsed < Timeout) Thread.Sleep(2);
    }

    /// <summary>The resumed run completed with the losses and the last checkpoint's files of the one never stopped, bit for bit.</summary>
    /// <summary>The run as `stlm runs --json` lists it.</summary>
    static JsonElement Listed(DataFolder data, string runId)
    {
        using var runs = StlmChild.Start(data.Path, data.Environment, "runs", "--json");
        Assert.Equal(0, runs.WaitForExit(Timeout));
        return JsonDocument.Parse(runs.StdOut).RootElement.EnumerateArray().Single(r => r.GetProperty("id").GetString() == runId).Clone();
    }

    static void AssertSameRun(DataFolder data, string straightId, string resumedId, string what)
    {
        var (a, b) = (data.Run(straightId), data.Run(resumedId));
        Assert.Equal((RunStatus.Completed, (long)Steps), (b.Status, b.Step));
        Assert.Equal(a.Losses.Select(BitConverter.DoubleToInt64Bits), b.Losses.Select(BitConverter.DoubleToInt64Bits));
        var (ca, cb) = (a.LatestCheckpoint()!, b.LatestCheckpoint()!);
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(ca, file) == DataFolder.FileHash(cb, file), $"{file} differs ({what})");
        // Each rank's own dropout stream is in the checkpoint, and any rank can load it.
        var rng = Stlm.Model.Checkpoints.Checkpoint.Open(cb.Path).LoadRng();
        Assert.NotNull(rng.ForRank(1));
        Assert.False(rng.Cpu.AsSpan().SequenceEqual(rng.ForRank(1)!.Cpu));
    }

    [Fact]
    public void Another_world_size_is_a_fork_that_loads_the_checkpoint_of_more_ranks_and_is_journaled_with_the_change()
    {
        using var data = new DataFolder();
        using (var train = StlmChild.Start(data.Path, data.Environment, Train("dp-base", "training.max-steps=4")))
            Assert.True(train.WaitForExit(Timeout) == 0, train.StdErr);

        using (var fork = StlmChild.Start(data.Path, data.Environment, "fork", "dp-base@4", "--run-id", "dp-one",
                   "--set", "training.data-parallel.world-size=1", "--set", "training.max-steps=6"))
            Assert.True(fork.WaitForExit(Timeout) == 0, fork.StdErr);
        var forked = data.Run("dp-one");
        Assert.Equal((RunStatus.Completed, 6L), (forked.Status, forked.Step));
        Assert.Contains("training.data-parallel.world-size=1", forked.Created!.Fork!.Overrides);
        Assert.Equal(1, Config.ParseString(forked.Created.ConfigHocon, "dp-one").Resolve().GetInt("training.data-parallel.world-size"));
    }

    /// <summary>The pid of a `stlm debug dp-rank` whose parent is <paramref name="parent"/> (and, when given, of that run), or null.</summary>
    internal static int? RankProcessOf(int parent, string? runId = null)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (!cmdline.Contains("dp-rank")) continue;
                if (runId is not null) { if (cmdline.Contains(runId)) return pid; continue; }
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                if (ppid == parent) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }
}
