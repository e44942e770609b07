using System.Text.Json;
using Stlm.Tests.Model.Tokenizers;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public class TokenizerEncodeCommandTests
{
    [Fact]
    public void Tokenize_prints_the_gpt2_ids_of_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "Hello world's end<|endoftext|>");
            var plain = StlmProcess.Run(Path.GetTempPath(), "tokenizer", "encode", "--tokenizer", "gpt2:" + Gpt2Fixture.Directory, file);
            Assert.Equal(0, plain.ExitCode);
            Assert.Equal(string.Join(' ', Gpt2Fixture.Tokenizer.Encode("Hello world's end<|endoftext|>")), plain.StdOut.Trim());

            var json = StlmProcess.Run(Path.GetTempPath(), "tokenizer", "encode", "--tokenizer", "gpt2:" + Gpt2Fixture.Directory, "--allow-special", "--json", file);
            Assert.Equal(0, json.ExitCode);
            using var doc = JsonDocument.Parse(json.StdOut);
            Assert.Equal([15496, 995, 338, 886, 50256], doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(50257, doc.RootElement.GetProperty("vocabSize").GetInt32());
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void A_bad_spec_or_missing_file_gives_one_line_and_exit_2()
    {
        var bad = StlmProcess.Run(Path.GetTempPath(), "tokenizer", "encode", "--tokenizer", "gpt3:x", "nofile.txt");
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("unknown tokenizer spec 'gpt3:x'", bad.StdErr);

        var missing = StlmProcess.Run(Path.GetTempPath(), "tokenizer", "encode", "--tokenizer", "bytes", "no-such-file.txt");
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("does not exist", missing.StdErr);
    }

    [Fact]
    public void Tokenizer_train_writes_files_that_tokenize_loads()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stlm-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var corpus = Path.Combine(dir, "corpus.txt");
            File.WriteAllText(corpus, Stlm.Model.Tokenizers.SyntheticEnglish.Generate(40_000));
            var train = StlmProcess.Run(dir, "tokenizer", "train", "--input", corpus, "--vocab-size", "400", "--out", "tok");
            Assert.True(train.ExitCode == 0, train.StdErr);
            Assert.Contains("bpe:tok", train.StdOut);
            Assert.True(File.Exists(Path.Combine(dir, "tok", "vocab.json")) && File.Exists(Path.Combine(dir, "tok", "merges.txt")));

            File.WriteAllText(Path.Combine(dir, "x.txt"), " the the the");
            var ids = StlmProcess.Run(dir, "tokenizer", "encode", "--tokenizer", "bpe:tok", "x.txt");
            Assert.Equal(0, ids.ExitCode);
            var loaded = Stlm.Model.Tokenizers.TokenizerSpec.Load("bpe:" + Path.Combine(dir, "tok"));
            Assert.Equal(string.Join(' ', loaded.Encode(" the the the")), ids.StdOut.Trim());
            Assert.Equal(3, ids.StdOut.Trim().Split(' ').Length);
        }
        finally { Directory.Delete(dir, true); }
    }
}
