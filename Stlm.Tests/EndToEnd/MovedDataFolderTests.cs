using System.Text.Json;
using Stlm.Actors.Training.Run;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// A data folder copied elsewhere (as after a move to another disk or machine) works there with
/// child processes: a crashed run resumes from its checkpoint, a fork starts from a checkpoint,
/// RUN@STEP evaluates and replay --verify passes — all reading and writing the copy, never the
/// original (whose journal holds the same paths).
/// </summary>
public sealed class MovedDataFolderTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    readonly DataFolder _original = new();
    readonly DataFolder _copy = new();

    static void Ok(StlmChild child)
    {
        Assert.True(child.WaitForExit(Timeout) == 0, $"stlm {child.Args}: {child.StdOut}\n{child.StdErr}");
    }

    StlmChild InCopy(params string[] args) => StlmChild.Start(_copy.Path, _copy.Environment, args);

    [Fact]
    public void A_copied_data_folder_can_be_resumed_forked_evaluated_and_replay_verified_without_touching_the_original()
    {
        using (var whole = StlmChild.Start(_original.Path, _original.Environment, TinyRun.Train("r-base", 6)))
            Ok(whole);
        using (var crashed = StlmChild.Start(_original.Path, _original.WithFault("checkpoint:rename@3"), TinyRun.Train("r-crash", 8)))
        {
            Assert.True(crashed.WaitForFault(Timeout) is not null, crashed.StdErr);
            crashed.Kill();
        }
        Assert.All(_original.JournaledRun("r-base").LiveCheckpoints, c => Assert.Equal($"checkpoints/r-base/step-{c.Step:D9}", c.Path)); // relative to the data folder
        _original.CopyTo(_copy);
        var before = _original.Inventory();

        using (var resume = InCopy(TinyRun.Resume("r-crash"))) Ok(resume);
        using (var fork = InCopy("fork", "r-base@4", "--run-id", "r-kid", "--set", "training.max-steps=8")) Ok(fork);
        File.WriteAllText(Path.Combine(_copy.Path, "story.txt"), "Once upon a time there was a cat.\n");
        using var eval = InCopy("eval", "r-base@4", "--text", "story.txt", "--json");
        Ok(eval);
        using var replayCrash = InCopy("replay", "r-crash", "--verify");
        Ok(replayCrash);
        using var replayKid = InCopy("replay", "r-kid", "--verify");
        Ok(replayKid);

        Assert.Equal(4, JsonDocument.Parse(eval.StdOut).RootElement.GetProperty("step").GetInt64());
        Assert.Contains("8 steps (1..8) match the journal bit for bit", replayCrash.StdOut);
        Assert.Contains("4 steps (5..8) match the journal bit for bit", replayKid.StdOut);
        var (crash, kid) = (_copy.Run("r-crash"), _copy.Run("r-kid"));
        Assert.Equal((RunStatus.Completed, 8L), (crash.Status, crash.Step));
        Assert.Equal((RunStatus.Completed, 8L), (kid.Status, kid.Step));
        Assert.All(crash.LiveCheckpoints.Concat(kid.LiveCheckpoints), c => Assert.StartsWith(_copy.Path + "/checkpoints/", c.Path));
        Assert.All(crash.LiveCheckpoints.Concat(kid.LiveCheckpoints), c => Assert.True(Directory.Exists(c.Path), c.Path));
        Assert.Equal(before, _original.Inventory());
    }

    public void Dispose()
    {
        _original.Dispose();
        _copy.Dispose();
    }
}
