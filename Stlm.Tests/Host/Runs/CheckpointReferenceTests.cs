using System.Text.Json;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Host.Runs;

/// <summary>CHECKPOINT given as RUN[@STEP]: resolved through the journal's committed, live checkpoints.</summary>
public sealed class CheckpointReferenceTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    Dictionary<string, string> Env => new() { ["STLM_DATA_DIR"] = _journal.DataDir };

    /// <summary>A run r-1 with steps 1..6, checkpoints committed at 2, 4 and 6, and the one of 6 deleted.</summary>
    async Task<string> RunWithCheckpoints()
    {
        var config = TinyCheckpoints.Config("llama", _journal.DataDir);
        var system = _journal.StartSystem();
        var run = system.ActorOf(RunActor.Props("r-1", 1000), "run-r-1");
        await Ask(run, new CreateRun("r-1", config.ToHocon(), "cfg", 1337, "test-build"));
        await Steps(run, 1, 6);
        var hashes = new List<string>();
        foreach (var step in new[] { 2L, 4L, 6L })
        {
            var c = TinyCheckpoints.Write(config, Path.Combine(_journal.DataDir, "checkpoints", "r-1"), step);
            await Ask(run, new CommitCheckpoint(step, c.ContentHash, c.Path, c.Bytes));
            hashes.Add(c.ContentHash);
        }
        await Ask(run, new DeleteCheckpoint(hashes[^1], "retention"));
        await StopAsync(system);
        var text = Path.Combine(_journal.Folder, "t.txt");
        File.WriteAllText(text, "The cat sat.");
        return text;
    }

    [Fact]
    public async Task Run_at_step_picks_the_newest_live_checkpoint_at_or_before_it()
    {
        var text = await RunWithCheckpoints();

        foreach (var (reference, expected) in new[] { ("r-1@3", 2L), ("r-1@100", 4L), ("r-1", 4L) })
        {
            var r = StlmProcess.Run(_journal.Folder, Env, ["eval", reference, "--text", text, "--json"]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal(expected, JsonDocument.Parse(r.StdOut).RootElement.GetProperty("step").GetInt64());
        }
    }

    [Fact]
    public async Task A_reference_that_names_no_checkpoint_is_one_line()
    {
        var text = await RunWithCheckpoints();

        foreach (var (reference, expected) in new[]
        {
            ("r-1@1", "no checkpoint at or before step 1; its checkpoints are at steps 2, 4"),
            ("r-9", "no run r-9"),
            ("r-1@x", "RUN@STEP"),
        })
        {
            var r = StlmProcess.Run(_journal.Folder, Env, ["eval", reference, "--text", text]);
            Assert.NotEqual(0, r.ExitCode);
            var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains(expected, lines[0]);
        }
    }
}
