using Stlm.Tests.Support;

namespace Stlm.Tests.Host.CommandLine;

/// <summary>Old command names keep working, say their new name in one stderr line, and stay out of help.</summary>
public class RenamedCommandTests
{
    [Fact]
    public void Tokenize_still_encodes_like_tokenizer_encode_and_names_the_new_command()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("x.txt"), "Once upon a time");
        var now = StlmProcess.Run(dir.Path, "tokenizer", "encode", "--tokenizer", "bytes", "x.txt");
        var old = StlmProcess.Run(dir.Path, "tokenize", "--tokenizer", "bytes", "x.txt");

        Assert.Equal(0, old.ExitCode);
        Assert.Equal(now.StdOut, old.StdOut);
        Assert.Equal("", now.StdErr);
        Assert.Equal("stlm: 'tokenize' is now 'tokenizer encode'; the old name still works", old.StdErr.Trim());
    }

    [Fact]
    public void Data_generate_still_writes_the_synthetic_corpus_and_names_data_synth()
    {
        using var dir = new TempDirectory();
        var now = StlmProcess.Run(dir.Path, "data", "synth", "--out", "new.txt", "--megabytes", "0.01", "--seed", "2");
        var old = StlmProcess.Run(dir.Path, "data", "generate", "--out", "old.txt", "--megabytes", "0.01", "--seed", "2");

        Assert.Equal(0, now.ExitCode);
        Assert.Equal(0, old.ExitCode);
        Assert.Equal(File.ReadAllText(dir.File("new.txt")), File.ReadAllText(dir.File("old.txt")));
        Assert.Contains("stlm: 'data generate' is now 'data synth'", old.StdErr);
    }

    [Fact]
    public void Old_names_answer_bad_input_with_one_line_and_stay_out_of_help()
    {
        var bad = StlmProcess.Run(Path.GetTempPath(), "generate");
        Assert.NotEqual(0, bad.ExitCode);
        var lines = bad.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("'stlm generate --help'", lines[0]);

        var help = StlmProcess.Run(Path.GetTempPath(), "--help");
        var commands = help.StdOut.Split('\n').Select(l => l.TrimStart().Split(' ')[0]).ToList();
        Assert.Contains("sample", commands);
        Assert.DoesNotContain("generate", commands);
        Assert.DoesNotContain("tokenize", commands);
    }
}
