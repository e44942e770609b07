using System.Text.Json;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

/// <summary>`stlm sample` and `stlm export` on checkpoints written in the test.</summary>
public class SampleExportCommandTests
{
    static Dictionary<string, string> Env(string dataDir) => new() { ["STLM_DATA_DIR"] = dataDir };

    [Theory]
    [InlineData("mixture-of-depths")]
    [InlineData("byte-pooled")]
    public void Generate_continues_the_prompt_with_a_token_and_a_byte_architecture(string architecture)
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.ConfigIn(architecture, dir), dir.File("checkpoints"));
        string[] args = ["sample", checkpoint.Path, "The cat", "--max-tokens", "6", "--temperature", "0.8", "--top-k", "20", "--seed", "7", "--json"];

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), args);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal("The cat", json.GetProperty("prompt").GetString());
        Assert.InRange(json.GetProperty("generated").GetInt32(), 1, 6);
        Assert.Equal(architecture switch { "megabyte" => "bytes", "byte-pooled" => "chunks", _ => "tokens" }, json.GetProperty("unit").GetString());
    }

    [Fact]
    public void Generate_with_a_seed_samples_the_same_text_again()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path), dir.File("checkpoints"));
        string[] args = ["sample", checkpoint.Path, "The cat", "--max-tokens", "12", "--temperature", "1.5", "--top-p", "0.95", "--seed", "11", "--json"];

        var first = StlmProcess.Run(dir.Path, Env(dir.Path), args);
        var again = StlmProcess.Run(dir.Path, Env(dir.Path), args);
        var other = StlmProcess.Run(dir.Path, Env(dir.Path), [.. args[..^2], "12", "--json"]);

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Equal(first.StdOut, again.StdOut);
        Assert.NotEqual(JsonDocument.Parse(first.StdOut).RootElement.GetProperty("text").GetString(),
            JsonDocument.Parse(other.StdOut).RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public void Generate_prints_the_prompt_and_its_continuation()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path), dir.File("checkpoints"));

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["sample", checkpoint.Path, "Once", "--max-tokens", "5", "--temperature", "0"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.StartsWith("Once", r.StdOut);
        Assert.Contains("tokens generated", r.StdErr);
    }

    [Fact]
    public void Export_writes_a_hugging_face_llama_with_the_runs_bpe_that_reads_back_to_the_same_logits()
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var config = TinyCheckpoints.Config("llama", dir.Path, bpe);
        var checkpoint = TinyCheckpoints.Write(config, dir.File("checkpoints"));
        var output = dir.File("hf");

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["export", checkpoint.Path, "--format", "hf-llama", "--out", output]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing: {r.StdOut}");
        using var scope = TorchScope.Begin();
        var (model, _) = TinyCheckpoints.Build(config);
        var original = (LlamaForCausalLM)model;
        var exported = LlamaExport.Read(output);
        var ids = Torch.From(new long[] { 3, 1, 4, 1, 5 }, 1, 5);
        using var _ = Torch.NoGrad();
        Assert.True(original.Forward(ids).AllClose(exported.Forward(ids), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Export_of_a_byte_tokenizer_run_writes_no_tokenizer_files()
    {
        using var dir = new TempDirectory();
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path), dir.File("checkpoints"));

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["export", checkpoint.Path, "--out", dir.File("hf")]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(dir.File("hf")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("megabyte", "megabyte", "Megabyte model")]
    [InlineData("llama", "gelu", "SwiGLU")]
    public void Export_refuses_what_has_no_hugging_face_llama_form_in_one_line(string architecture, string variant, string reason)
    {
        using var dir = new TempDirectory();
        string[] sets = [.. TinyCheckpoints.Sets(architecture, dir.Path), .. variant == "gelu" ? new[] { "model.activation=gelu" } : []];
        var config = Stlm.Actors.Training.Recipe.TrainConfigLoader.Load(null, sets);
        var checkpoint = TinyCheckpoints.Write(config, dir.File("checkpoints"));

        var r = StlmProcess.Run(dir.Path, Env(dir.Path), ["export", checkpoint.Path, "--out", dir.File("hf")]);

        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(reason, lines[0]);
        Assert.False(File.Exists(Path.Combine(dir.File("hf"), "model.safetensors")));
    }
}
