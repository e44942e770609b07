using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Checkpoints;

public class CheckpointCorruptionTests : IDisposable
{
    readonly TempDirectory dir = new();
    readonly string checkpoint;

    public CheckpointCorruptionTests()
    {
        using var trainer = new TinyTrainer(seed: 11);
        trainer.Train(2);
        using var snapshot = trainer.Capture();
        checkpoint = snapshot.Write(dir.Path).Path;
    }

    public void Dispose() => dir.Dispose();

    string File(string name) => Path.Combine(checkpoint, name);

    StlmException OpenFails() => Assert.Throws<StlmException>(() => Checkpoint.Open(checkpoint));

    static void AssertOneActionableLine(StlmException e, string problem)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith("checkpoint step-000000002: " + problem, e.Message);
        Assert.Contains("it cannot be resumed from — choose an earlier one", e.Message);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.safetensors")]
    [InlineData("rng.safetensors")]
    public void A_truncated_file_is_named(string name)
    {
        using (var f = new FileStream(File(name), FileMode.Open)) f.SetLength(f.Length - 5);
        AssertOneActionableLine(OpenFails(), $"{name} is truncated");
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("optimizer.safetensors")]
    public void A_flipped_byte_is_a_sha256_mismatch(string name)
    {
        var bytes = System.IO.File.ReadAllBytes(File(name));
        bytes[^3] ^= 0x01;
        System.IO.File.WriteAllBytes(File(name), bytes);
        AssertOneActionableLine(OpenFails(), $"{name} is corrupt (sha256 mismatch)");
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("rng.safetensors")]
    [InlineData("checkpoint.json")]
    [InlineData("checkpoint.sha256")]
    public void A_missing_file_is_named(string name)
    {
        System.IO.File.Delete(File(name));
        AssertOneActionableLine(OpenFails(), $"{name} is missing");
    }

    [Fact]
    public void An_edited_manifest_no_longer_matches_its_content_hash()
    {
        var json = System.IO.File.ReadAllText(File("checkpoint.json"));
        System.IO.File.WriteAllText(File("checkpoint.json"), json.Replace("\"step\": 2", "\"step\": 3"));
        AssertOneActionableLine(OpenFails(), "checkpoint.json is corrupt (content hash mismatch");
    }

    [Fact]
    public void A_manifest_that_is_not_json_is_corrupt()
    {
        System.IO.File.WriteAllText(File("checkpoint.json"), "{\"format\": ");
        AssertOneActionableLine(OpenFails(), "checkpoint.json is corrupt");
    }

    [Fact]
    public void A_file_rewritten_with_a_consistent_manifest_is_caught_by_the_id_the_journal_names()
    {
        var id = Checkpoint.Open(checkpoint).ContentHash;
        var bytes = System.IO.File.ReadAllBytes(File("model.safetensors"));
        bytes[^1] ^= 0xff;
        System.IO.File.WriteAllBytes(File("model.safetensors"), bytes);
        var manifest = CheckpointManifest.Parse(System.IO.File.ReadAllBytes(File("checkpoint.json")));
        var forged = manifest with
        {
            Files = manifest.Files.Select(f => f.Name == "model.safetensors"
                ? f with { Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) } : f).ToList(),
        };
        System.IO.File.WriteAllBytes(File("checkpoint.json"), forged.ToJsonBytes());
        System.IO.File.WriteAllText(File("checkpoint.sha256"), forged.ContentHash() + "\n");

        Checkpoint.Open(checkpoint);   // self-consistent, so only the journal's id can tell
        AssertOneActionableLine(Assert.Throws<StlmException>(() => Checkpoint.Open(checkpoint, id)), "is not the checkpoint the journal names");
    }

    [Fact]
    public void A_checkpoint_other_than_the_one_the_journal_names_is_refused()
    {
        var e = Assert.Throws<StlmException>(() => Checkpoint.Open(checkpoint, expectedContentHash: new string('0', 64)));
        AssertOneActionableLine(e, "is not the checkpoint the journal names");
    }
}
