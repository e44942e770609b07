using Stlm.Tests.Data;
using Stlm.Tests.Host;

namespace Stlm.Tests.Training;

public class TrainCommandTests
{
    /// <summary>The quickstart preset shrunk to a run of seconds on a 0.3 MB generated corpus.</summary>
    static readonly string[] Tiny =
    [
        "--set", "data.synthetic-megabytes=0.3",
        "--set", "model.n-layers=1", "--set", "model.d-model=32", "--set", "model.n-heads=2", "--set", "model.n-kv-heads=1",
        "--set", "model.ffn-hidden=64", "--set", "model.context-length=32",
        "--set", "training.batch-size=4", "--set", "schedules.learning-rate.warmup-steps=2",
        "--set", "eval.every-steps=2", "--set", "eval.batches=2", "--set", "eval.sample-tokens=8",
    ];

    [Fact]
    public void Train_for_five_steps_finishes_with_a_summary_and_a_sample()
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path, ["STLM_DATA"] = dir.Path };
        var r = StlmProcess.Run(dir.Path, env, ["train", "--set", "training.max-steps=5", .. Tiny]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("trained 5 of 5 steps", r.StdOut);
        Assert.Contains("held-out", r.StdOut);
        Assert.Contains("sample: Once upon a time", r.StdOut);
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "tokenizers", "synthetic-bpe-2048")), "the corpus BPE is cached under the data folder");
    }

    [Theory]
    [InlineData("training.max-steps=lots", "training.max-steps")]
    [InlineData("training.max-stepz=5", "max-stepz")]
    [InlineData("tokenizer.kind=words", "tokenizer.kind")]
    [InlineData("eval.tasks=[{name=trivia, data=\"x.jsonl\"}]", "eval.tasks[0].name = \"trivia\" is not a task at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"missing.jsonl\"}]", "eval.tasks[0].data = \"missing.jsonl\": no such file")]
    public void A_bad_setting_gives_one_line_and_a_nonzero_exit(string set, string named)
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path, ["STLM_DATA"] = dir.Path };
        var r = StlmProcess.Run(dir.Path, env, ["train", .. Tiny, "--set", set]);

        Assert.NotEqual(0, r.ExitCode);
        var errors = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(" INF ")).ToList();
        Assert.Single(errors);
        Assert.Contains(named, errors[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }
}
