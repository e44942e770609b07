using System.Text.Json;
using Stlm.Tests.Actors.Training.Replay;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

/// <summary>`stlm replay RUN --verify` as a child process on a run recorded beside it.</summary>
[Collection(nameof(TorchGlobalState))]
public sealed class ReplayCommandTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public async Task InitializeAsync() =>
        await RecordedRun.TrainAsync(_journal, "r-cli", RecordedRun.TinyConfig(_journal.DataDir), steps: 4, checkpointEvery: 2);

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    StlmProcess.Result Stlm(params string[] args) =>
        StlmProcess.Run(_journal.Folder, new Dictionary<string, string> { ["STLM_DATA_DIR"] = _journal.DataDir }, args);

    [Fact]
    public void Replay_verify_passes_on_an_untouched_run_with_one_line_per_verdict()
    {
        var r = Stlm("replay", "r-cli", "--from", "3", "--verify");

        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("re-executing 2 from checkpoint step-000000002", r.StdOut);
        Assert.Contains("ok    steps      2 steps (3..4) match the journal bit for bit", r.StdOut);
        Assert.Contains("ok    weights    state at step 4 is bit-identical to checkpoint step-000000004", r.StdOut);
        Assert.Contains("verified: 2 steps re-executed", r.StdOut);
    }

    [Fact]
    public void Replay_verify_json_reports_every_verdict()
    {
        var r = Stlm("replay", "r-cli", "--verify", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        var report = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.True(report.GetProperty("ok").GetBoolean());
        Assert.Equal(4, report.GetProperty("stepsRun").GetInt64());
        Assert.Equal(["steps", "weights"], report.GetProperty("verdicts").EnumerateArray().Select(v => v.GetProperty("check").GetString()));
    }

    [Fact]
    public void Replay_verify_fails_loudly_on_a_tampered_checkpoint()
    {
        ReplayVerifierTests.FlipOneByte(Path.Combine(_journal.DataDir, "checkpoints", "r-cli", "step-000000002", "model.safetensors"));

        var r = Stlm("replay", "r-cli", "--from", "3", "--verify");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("FAIL  checkpoint checkpoint step-000000002: model.safetensors is corrupt (sha256 mismatch)", r.StdOut);
        Assert.Contains("stlm: replay r-cli --verify FAILED: checkpoint step-000000002", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Replay_verify_outside_the_journaled_steps_is_one_line()
    {
        var r = Stlm("replay", "r-cli", "--from", "9", "--verify");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("stlm: replay r-cli --from 9: its journaled steps are 1..4", r.StdErr);
    }
}
