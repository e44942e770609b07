using System.Text.Json;
using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public class DataCommandTests
{
    [Fact]
    public void Synth_prepare_and_info_make_and_describe_a_shard_directory()
    {
        using var dir = new TempDirectory();
        var gen = StlmProcess.Run(dir.Path, "data", "synth", "--out", "stories.txt", "--megabytes", "0.05", "--seed", "3");
        Assert.Equal(0, gen.ExitCode);
        Assert.Equal(SyntheticStories.Generate(3, 0.05), File.ReadAllText(dir.File("stories.txt")));

        var prep = StlmProcess.Run(dir.Path, "data", "prepare", "--input", "stories.txt", "--out", "shards", "--tokenizer", "bytes");
        Assert.Equal(0, prep.ExitCode);
        Assert.Contains("wrote", prep.StdOut);

        var again = StlmProcess.Run(dir.Path, "data", "prepare", "--input", "stories.txt", "--out", "shards");
        Assert.Contains("up to date", again.StdOut);

        var info = StlmProcess.Run(dir.Path, "data", "info", "shards", "--json");
        Assert.Equal(0, info.ExitCode);
        var manifest = JsonSerializer.Deserialize<ShardManifest>(info.StdOut, ShardManifest.Json)!;
        Assert.Equal("bytes", manifest.Tokenizer);
        Assert.Equal(new FileInfo(dir.File("stories.txt")).Length, manifest.Sources[0].Bytes);
        Assert.Equal(manifest.TotalBytes + manifest.TotalDocuments, manifest.TotalTokens); // bytes + one end-of-text per story

        var text = StlmProcess.Run(dir.Path, "data", "info", "shards");
        Assert.Contains("uint16", text.StdOut);

        // The batch at a cursor is a pure function: two half batches are one whole batch.
        string[] Rows(string position, string size) => JsonDocument.Parse(StlmProcess.Run(dir.Path, "data", "batch", "shards",
                "--context", "16", "--batch-size", size, "--seed", "4", "--position", position, "--json").StdOut)
            .RootElement.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("tokens").ToString()).ToArray();
        Assert.Equal(Rows("0", "6"), Rows("0", "3").Concat(Rows("3", "3")));
    }

    [Fact]
    public void A_bad_jsonl_line_fails_with_one_line_naming_file_and_line()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("c.jsonl"), "{\"text\": \"fine\"}\n{\"txt\": \"oops\"}\n");
        var r = StlmProcess.Run(dir.Path, "data", "prepare", "--input", "c.jsonl", "--format", "jsonl", "--out", "shards");
        Assert.Equal(2, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("c.jsonl:2: no \"text\" field", lines[0]);
        Assert.False(File.Exists(Path.Combine(dir.Path, "shards", ShardManifest.FileName)));
    }

    [Fact]
    public void An_unknown_tokenizer_spec_is_a_user_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a.txt"), "hello");
        var r = StlmProcess.Run(dir.Path, "data", "prepare", "--input", "a.txt", "--out", "s", "--tokenizer", "nonsense");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown tokenizer spec 'nonsense'", r.StdErr);
    }
}
