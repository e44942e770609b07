using System.Text;
using System.Text.Json;
using Stlm.Model.Checkpoints;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Eval;

/// <summary>Checkpoints carry their tokenizer (a content-addressed copy beside them) so they work after tokenizer.path is gone.</summary>
public class CheckpointTokenizerTests
{
    static Dictionary<string, string> Env(string dataDir) => new() { ["STLM_DATA_DIR"] = dataDir };

    [Fact]
    public void The_tokenizer_files_are_copied_once_per_content_and_named_in_checkpoint_json()
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var config = TinyCheckpoints.Config("llama", dir.Path, bpe);

        var first = TinyCheckpoints.Write(config, dir.File("run"), step: 1, keepTokenizer: true);
        var second = TinyCheckpoints.Write(config, dir.File("run"), step: 2, keepTokenizer: true);

        var copies = Directory.GetDirectories(dir.File("run"), CheckpointTokenizer.FolderPrefix + "*");
        Assert.Single(copies);
        Assert.Equal(File.ReadAllBytes(Path.Combine(bpe, "vocab.json")), File.ReadAllBytes(Path.Combine(copies[0], "vocab.json")));
        var kept = Checkpoint.Open(first.Path).Info.Tokenizer;
        Assert.NotNull(kept);
        Assert.Equal("bpe", kept.Spec);
        Assert.Equal(Path.Combine("..", Path.GetFileName(copies[0])), kept.Folder);
        Assert.Equal(kept.Folder, Checkpoint.Open(second.Path).Info.Tokenizer!.Folder);
        Assert.Contains("\"tokenizer\"", File.ReadAllText(Path.Combine(first.Path, CheckpointNames.Manifest)));
    }

    [Fact]
    public void A_damaged_copy_is_refused_by_its_hash()
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path, bpe), dir.File("run"), keepTokenizer: true);
        var kept = Checkpoint.Open(checkpoint.Path).Info.Tokenizer!;
        var merges = Path.Combine(checkpoint.Path, kept.Folder, "merges.txt");

        File.AppendAllText(merges, "x y\n");
        var (spec, problem) = kept.Locate(checkpoint.Path);

        Assert.Null(spec);
        Assert.Contains("SHA-256", problem);
    }

    [Fact]
    public void A_copy_that_cannot_be_put_in_place_fails_in_one_line_and_leaves_no_temp_folder()
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var folder = Path.GetFileName(CheckpointTokenizer.Store("bpe", bpe, dir.File("elsewhere")).Folder);
        Directory.CreateDirectory(dir.File("run"));
        File.WriteAllText(Path.Combine(dir.File("run"), folder), "a file where the copy goes");

        var error = Assert.Throws<Stlm.Model.StlmException>(() => CheckpointTokenizer.Store("bpe", bpe, dir.File("run")));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains(folder, error.Message);
        Assert.Empty(Directory.GetDirectories(dir.File("run"), ".tmp-*"));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("byte-pooled")]
    public void Eval_generate_and_export_work_on_a_checkpoint_whose_tokenizer_path_is_gone(string architecture)
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var config = TinyCheckpoints.Config(architecture, dir.Path, bpe);
        var checkpoint = TinyCheckpoints.Write(config, dir.File("run"), keepTokenizer: true);
        const string text = "The cat saw a bird.";
        File.WriteAllText(dir.File("t.txt"), text);
        BitsPerByte expected;
        using (TorchScope.Begin())
        {
            var (model, tokenizer) = TinyCheckpoints.Build(config);
            expected = ScoringModels.For(model, tokenizer).ScoreText(text, SlidingWindows.DefaultStride(ScoringModels.For(model, tokenizer).ContextLength));
        }
        Directory.Delete(bpe, recursive: true);

        var eval = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--text", dir.File("t.txt"), "--json"]);
        var generate = StlmProcess.Run(dir.Path, Env(dir.Path), ["sample", checkpoint.Path, "The cat", "--max-tokens", "3", "--temperature", "0", "--json"]);

        Assert.True(eval.ExitCode == 0, eval.StdErr);
        Assert.Equal(expected.Bpb, JsonDocument.Parse(eval.StdOut).RootElement.GetProperty("bitsPerByte").GetDouble(), 6);
        Assert.True(generate.ExitCode == 0, generate.StdErr);
        if (architecture == "llama")
        {
            var export = StlmProcess.Run(dir.Path, Env(dir.Path), ["export", checkpoint.Path, "--format", "hf-llama", "--out", dir.File("hf")]);
            Assert.True(export.ExitCode == 0, export.StdErr);
            Assert.True(File.Exists(Path.Combine(dir.File("hf"), "merges.txt")));
        }
    }

    [Fact]
    public void A_trained_run_keeps_its_corpus_bpe_beside_its_checkpoints_and_evaluates_without_it()
    {
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path, ["STLM_DATA"] = dir.Path };
        string[] tiny =
        [
            "--set", "data.synthetic-megabytes=0.3", "--set", "model.n-layers=1", "--set", "model.d-model=32", "--set", "model.n-heads=2",
            "--set", "model.n-kv-heads=1", "--set", "model.ffn-hidden=64", "--set", "model.context-length=32", "--set", "training.batch-size=4",
            "--set", "eval.every-steps=0", "--set", "training.max-steps=2", "--set", "schedules.learning-rate.warmup-steps=1",
        ];
        var train = StlmProcess.Run(dir.Path, env, ["train", .. tiny]);
        Assert.True(train.ExitCode == 0, train.StdErr);
        var checkpoint = Directory.GetDirectories(dir.Path, "step-*", SearchOption.AllDirectories).Order().Last();
        Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(checkpoint)!, CheckpointTokenizer.FolderPrefix + "*"));
        File.WriteAllText(dir.File("t.txt"), "Once upon a time there was a cat.");

        Directory.Delete(Path.Combine(dir.Path, "tokenizers"), recursive: true);
        var eval = StlmProcess.Run(dir.Path, env, ["eval", checkpoint, "--text", dir.File("t.txt")]);

        Assert.True(eval.ExitCode == 0, eval.StdErr);
        Assert.Contains("bits per byte (upper bound", eval.StdOut);
    }

    [Fact]
    public void An_older_checkpoint_without_a_copy_still_reads_the_configured_tokenizer_and_says_so_when_it_is_gone()
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dir.Path, bpe), dir.File("run"));
        File.WriteAllText(dir.File("t.txt"), "The cat.");

        var before = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--text", dir.File("t.txt")]);
        Directory.Delete(bpe, recursive: true);
        var after = StlmProcess.Run(dir.Path, Env(dir.Path), ["eval", checkpoint.Path, "--text", dir.File("t.txt")]);

        Assert.True(before.ExitCode == 0, before.StdErr);
        Assert.Contains("bits per byte (upper bound: the canonical BPE tokenization only)", before.StdOut);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Single(after.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("does not exist", after.StdErr);
    }
}
