using Stlm.Tests.Support;


namespace Stlm.Tests.EndToEnd;

/// <summary>`stlm train --set training.preset=…-tiny` trains every architecture end to end through the training actors.</summary>
public class ArchitectureTrainingTests
{
    [Theory]
    [InlineData("byte-pooled-tiny", "ByteChunk")]
    [InlineData("megabyte-tiny", "Megabyte")]
    [InlineData("layerskip-tiny", "LayerSkip")]
    [InlineData("mixture-of-depths-tiny", "MixtureOfDepths")]
    public void A_tiny_preset_trains_a_few_steps_evaluates_and_samples(string preset, string architecture)
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path };

        var r = StlmProcess.Run(dir.Path, env, ["train", "--set", $"training.preset={preset}", "--set", "data.synthetic-megabytes=0.2",
            "--set", "training.max-steps=4", "--set", "schedules.learning-rate.warmup-steps=2", "--set", "eval.every-steps=2", "--set", "eval.batches=1", "--set", "eval.sample-tokens=4"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("trained 4 of 4 steps", r.StdOut);
        Assert.Matches(@"held-out \d+\.\d{3} bits per byte", r.StdOut);
        Assert.Contains("sample: Once upon a time", r.StdOut);
        Assert.Contains(architecture == "ByteChunk" ? "BytePooled" : architecture, r.StdErr + r.StdOut);
    }
}
