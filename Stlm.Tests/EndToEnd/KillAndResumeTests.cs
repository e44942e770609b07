using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// DESIGN.md §5.3 with real processes: a run SIGKILLed again and again — in the middle of a
/// checkpoint write, in the middle of a journal write, at random moments — and resumed each time
/// ends with the same journaled losses and bit-identical weights as a run never stopped, and
/// `stlm replay --verify` passes on it; in float32 and in bf16-mixed (whose journaled config
/// carries the precision into every resume).
/// </summary>
public class KillAndResumeTests
{
    const int Steps = 60;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("float32")]
    [InlineData("bf16-mixed")]
    public void A_run_killed_in_writes_and_at_random_moments_and_resumed_ends_bit_identical_to_one_never_stopped(string precision)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        using var data = new DataFolder();
        using var straight = StlmChild.Start(data.Path, data.Environment, TinyRun.Train("straight", Steps, $"torch.precision={precision}"));
        Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        var log = new List<string>();
        // 1. In the second checkpoint write, with model.safetensors and optimizer.safetensors durable in the temp folder.
        KillAt(data, TinyRun.Train("crashy", Steps, $"torch.precision={precision}"), "checkpoint:optimizer.safetensors@2", log);
        // 2. In the resumed process's third journal write, inside the transaction.
        KillAt(data, TinyRun.Resume("crashy"), "journal:before-commit@3", log);
        // 3. With every file of a checkpoint durable, just before the rename that commits it.
        KillAt(data, TinyRun.Resume("crashy"), "checkpoint:rename", log);
        // 4. Once the journal has a random number of steps more; 5. a random time after the start
        // (loading, recovering, re-running or training). A fast machine may finish the run first.
        var completed = KillAfterSteps(data, random.Next(1, 6), log) || KillAfterTime(data, TimeSpan.FromMilliseconds(random.Next(300, 2500)), log);

        if (!completed)
        {
            using var last = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("crashy"));
            Assert.True(last.WaitForExit(Timeout) == 0, $"{string.Join("; ", log)}; {last.StdErr}");
        }

        var (a, b) = (data.Run("straight"), data.Run("crashy"));
        var context = $"{precision}, seed {seed}: {string.Join("; ", log)}";
        Assert.Equal((RunStatus.Completed, (long)Steps), (b.Status, b.Step));
        Assert.True(Bits(a.Losses).SequenceEqual(Bits(b.Losses)), $"journaled losses differ; {context}");
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), data.Steps("crashy").Select(s => s.Step));   // each step journaled once
        var (ca, cb) = (a.LatestCheckpoint()!, b.LatestCheckpoint()!);
        Assert.Equal((long)Steps, cb.Step);
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(ca, file) == DataFolder.FileHash(cb, file), $"{file} differs; {context}");

        using var verify = StlmChild.Start(data.Path, data.Environment, "replay", "crashy", "--verify");
        Assert.True(verify.WaitForExit(Timeout) == 0, verify.StdOut + verify.StdErr);
        Assert.Contains($"{Steps} steps (1..{Steps}) match the journal bit for bit", verify.StdOut);
    }

    static void KillAt(DataFolder data, string[] args, string point, List<string> log)
    {
        using var child = StlmChild.Start(data.Path, data.WithFault(point), args);
        var marker = child.WaitForFault(Timeout);
        Assert.True(marker is not null, $"{args[0]} never reached {point}: {child.StdErr}");
        child.Kill();
        log.Add($"killed {args[0]} at {point} (journal at step {data.Run("crashy").Step})");
        data.ExpectLeaseLeftBy("crashy", child);
    }

    /// <summary>Kills a resume once the journal is <paramref name="more"/> steps further; true when the run completed first.</summary>
    static bool KillAfterSteps(DataFolder data, int more, List<string> log)
    {
        var target = Math.Min(data.Run("crashy").Step + more, Steps - 1);
        using var child = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("crashy"));
        while (!child.HasExited && data.Run("crashy").Step < target) Thread.Sleep(2);
        return KillOrCompleted(data, child, $"once the journal reached step {target}", log);
    }

    /// <summary>Kills a resume <paramref name="after"/> its start; true when the run completed first.</summary>
    static bool KillAfterTime(DataFolder data, TimeSpan after, List<string> log)
    {
        using var child = StlmChild.Start(data.Path, data.Environment, TinyRun.Resume("crashy"));
        child.WaitForExit(after, killAfter: false);
        return KillOrCompleted(data, child, $"{after.TotalMilliseconds} ms after its start", log);
    }

    static bool KillOrCompleted(DataFolder data, StlmChild child, string when, List<string> log)
    {
        if (child.HasExited)
        {
            Assert.True(child.WaitForExit() == 0, child.StdErr);
            log.Add($"resume completed the run before the kill {when}");
            return true;
        }
        child.Kill();
        var run = data.Run("crashy");
        log.Add($"killed resume {when} (journal at step {run.Step}, {run.Status.ToString().ToLowerInvariant()})");
        data.ExpectLeaseLeftBy("crashy", child);
        // Killed between journaling Completed and exiting: nothing is left to resume.
        return run.Status == RunStatus.Completed;
    }

    static IEnumerable<long> Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits);
}
