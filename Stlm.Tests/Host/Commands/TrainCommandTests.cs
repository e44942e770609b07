
namespace Stlm.Tests.Host.Commands;

public class TrainCommandTests
{
    [Fact]
    public void Train_for_five_steps_finishes_with_a_summary_and_a_sample()
    {
        using var rig = new RunCommandRig();
        var r = rig.Stlm(["train", "--set", "training.max-steps=5", .. RunCommandRig.Tiny, "--set", "eval.every-steps=2"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("trained 5 of 5 steps", r.StdOut);
        Assert.Contains("held-out", r.StdOut);
        Assert.Contains("sample: Once upon a time", r.StdOut);
        Assert.True(Directory.Exists(Path.Combine(rig.Path, "tokenizers", "synthetic-bpe-2048")), "the corpus BPE is cached under the data folder");
    }

    [Theory]
    [InlineData("training.max-steps=lots", "training.max-steps")]
    [InlineData("training.max-stepz=5", "max-stepz")]
    [InlineData("tokenizer.kind=words", "tokenizer.kind")]
    [InlineData("eval.tasks=[{name=trivia, data=\"x.jsonl\"}]", "eval.tasks[0].name = \"trivia\" is not a task at --set")]
    [InlineData("eval.tasks=[{name=piqa, data=\"missing.jsonl\"}]", "eval.tasks[0].data = \"missing.jsonl\": no such file")]
    public void A_bad_setting_gives_one_line_and_a_nonzero_exit(string set, string named)
    {
        using var rig = new RunCommandRig();
        var r = rig.Stlm(["train", .. RunCommandRig.Tiny, "--set", set]);

        Assert.NotEqual(0, r.ExitCode);
        var errors = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(" INF ")).ToList();
        Assert.Single(errors);
        Assert.Contains(named, errors[0]);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    [Fact]
    public void Train_prepares_the_corpus_once_for_its_check_and_its_session()
    {
        using var rig = new RunCommandRig();
        var r = rig.Train("r-once", 2);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var corpusLines = (r.StdOut + "\n" + r.StdErr).Split('\n').Count(l => l.Contains(" Corpus ", StringComparison.Ordinal));
        Assert.Equal(1, corpusLines);
    }
}
