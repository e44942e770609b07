using System.Text.Json;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

/// <summary>`stlm eval` on checkpoints written in the test, and its one-line errors.</summary>
public class EvalCommandTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval", name);

    static Dictionary<string, string> Env(string dataDir) => new() { ["STLM_DATA_DIR"] = dataDir };

    static string OneError(StlmProcess.Result r)
    {
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.DoesNotContain("   at ", r.StdErr);
        return lines[0];
    }

    [Fact]
    public void Eval_text_prints_the_bits_per_byte_the_scorer_computes_in_process()
    {
        using var dir = new TempDirectory();
        var config = TinyCheckpoints.Config("llama", dir.Path);
        var checkpoint = TinyCheckpoints.Write(config, dir.File("checkpoints"), step: 4);
        var text = "Once upon a time there was a cat. It sat in the sun all day long.\n";
        File.WriteAllText(dir.File("story.txt"), text);

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--text", dir.File("story.txt"), "--stride", "5", "--json"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonDocument.Parse(r.StdOut).RootElement;
        BitsPerByte expected;
        using (TorchScope.Begin())
        {
            var (model, tokenizer) = TinyCheckpoints.Build(config);
            expected = ScoringModels.For(model, tokenizer).ScoreText(text, stride: 5);
        }
        Assert.Equal(expected.Bpb, json.GetProperty("bitsPerByte").GetDouble(), 6);
        Assert.Equal(expected.TokenPerplexity, json.GetProperty("perplexity").GetDouble(), 4);
        Assert.Equal(text.Length, json.GetProperty("bytes").GetInt64());
        Assert.Equal(text.Length, json.GetProperty("tokens").GetInt64());
        Assert.Equal(4, json.GetProperty("step").GetInt64());
    }

    [Theory]
    [InlineData("arc_easy", "arc_easy_sample.jsonl", 4)]
    [InlineData("winogrande", "winogrande_sample.jsonl", 4)]
    public void Eval_task_reports_accuracy_over_every_question(string task, string file, int questions)
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("megabyte", dir.Path), dir.File("checkpoints"));

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--task", task, "--data", Fixture(file), "--json"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal(questions, json.GetProperty("count").GetInt32());
        Assert.InRange(json.GetProperty("acc").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("accNorm").GetDouble(), 0, 1);
        Assert.True(json.GetProperty("accStderr").GetDouble() >= 0);
    }

    [Fact]
    public void Eval_task_with_a_limit_scores_only_the_first_questions_and_prints_a_line()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("layerskip", dir.Path), dir.File("checkpoints"));

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--task", "mmlu", "--data", Fixture("mmlu/abstract_algebra_dev.csv"), "--limit", "2"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"^mmlu: acc \d\.\d{4} ± \S+, acc_norm \d\.\d{4} ± \S+, count 2 \(LayerSkip step 0\)", r.StdOut);
    }

    [Fact]
    public void A_missing_checkpoint_is_one_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("t.txt"), "hello");
        var line = OneError(StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", dir.File("nowhere/step-000000001"), "--text", dir.File("t.txt")]));
        Assert.Contains("no such checkpoint folder", line);
    }

    [Fact]
    public void An_unknown_task_is_one_line_naming_the_tasks()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path), dir.File("checkpoints"));
        var line = OneError(StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--task", "trivia", "--data", Fixture("arc_easy_sample.jsonl")]));
        Assert.Contains("unknown task 'trivia'", line);
        Assert.Contains("hellaswag", line);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_one_line_naming_the_file()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path), dir.File("checkpoints"));
        var weights = Path.Combine(checkpoint.Path, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);
        File.WriteAllText(dir.File("t.txt"), "hello");

        var line = OneError(StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--text", dir.File("t.txt")]));
        Assert.Contains("model.safetensors", line);
    }
}
