using System.Text.Json;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public class CheckpointInspectTests : IDisposable
{
    readonly TempDirectory dir = new();
    readonly CommittedCheckpoint first, second;

    public CheckpointInspectTests()
    {
        using var trainer = new TinyTrainer(seed: 4);
        trainer.Train(2);
        using (var snapshot = trainer.Capture()) first = snapshot.Write(dir.Path);
        trainer.Train(2);
        using (var snapshot = trainer.Capture()) second = snapshot.Write(dir.Path);
    }

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Inspect_of_a_checkpoint_prints_its_summary_and_verification_before_the_tensors()
    {
        var r = StlmProcess.Run(dir.Path, "inspect", second.Path);
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n');
        Assert.Equal("checkpoint step-000000004  (run run-1)", lines[0]);
        Assert.Contains(lines, l => l.Trim() == "step 4, tokens seen 32, data cursor epoch 0, position 32");
        Assert.Contains(lines, l => l.Trim() == $"config sha256 {CheckpointInfo.ConfigHash(TinyTrainer.ConfigText)}");
        Assert.Contains(lines, l => l.Trim() == $"content sha256 {second.ContentHash}");
        Assert.Contains(lines, l => l.Trim() == "verification: ok");
        Assert.Contains(lines, l => l.Contains("layers.0.weight") && l.Contains("[16, 8]"));
    }

    [Fact]
    public void Inspect_json_of_a_checkpoint_carries_the_summary()
    {
        var r = StlmProcess.Run(dir.Path, "inspect", first.Path, "--json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.StdOut).RootElement;
        var c = root.GetProperty("checkpoint");
        Assert.True(c.GetProperty("ok").GetBoolean());
        Assert.Equal(2, c.GetProperty("step").GetInt64());
        Assert.Equal(16, c.GetProperty("data_cursor").GetProperty("position").GetInt64());
        Assert.Equal(first.ContentHash, c.GetProperty("content_sha256").GetString());
        Assert.Equal(3, root.GetProperty("files").GetArrayLength());
    }

    [Fact]
    public void Verify_passes_on_sound_checkpoints_and_fails_with_one_line_on_a_corrupt_one()
    {
        var ok = StlmProcess.Run(dir.Path, "inspect", "--verify", dir.Path);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(2, ok.StdOut.Split('\n').Count(l => l.Contains(": ok (")));

        var model = Path.Combine(second.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(model, bytes);

        var bad = StlmProcess.Run(dir.Path, "inspect", "--verify", second.Path);
        Assert.NotEqual(0, bad.ExitCode);
        var line = Assert.Single(bad.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("stlm: checkpoint step-000000004: model.safetensors is corrupt (sha256 mismatch); it cannot be resumed from", line);

        var json = StlmProcess.Run(dir.Path, "inspect", "--verify", "--json", dir.Path);
        Assert.NotEqual(0, json.ExitCode);
        var results = JsonDocument.Parse(json.StdOut).RootElement.GetProperty("checkpoints").EnumerateArray().ToList();
        Assert.Equal([true, false], results.Select(c => c.GetProperty("ok").GetBoolean()));

        var listing = StlmProcess.Run(dir.Path, "inspect", second.Path);
        Assert.Equal(0, listing.ExitCode);
        Assert.Contains("verification: FAILED: model.safetensors is corrupt (sha256 mismatch)", listing.StdOut);
    }
}
