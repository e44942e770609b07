using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Bench;

/// <summary>`stlm bench eval` runs both sides on the same work and reports ratios and how equal their numbers are (no timing asserted).</summary>
public class BenchEvalCommandTests
{
    [Fact]
    public void Bench_eval_reports_batched_and_one_at_a_time_speeds_of_the_same_questions_and_text()
    {
        using var dir = new TempDirectory();
        var sets = TinyCheckpoints.Sets("megabyte", dir.Path).SelectMany(s => new[] { "--set", s }).ToArray();

        var r = StlmProcess.Run(dir.Path, new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path },
            ["bench", "eval", .. sets, "--questions", "3", "--text-kb", "1", "--rounds", "1", "--batch", "4", "--json"]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal(3, json.GetProperty("questions").GetInt32());
        Assert.Equal(12, json.GetProperty("options").GetInt32());
        Assert.Equal(4, json.GetProperty("batched").GetProperty("batchRows").GetInt32());
        Assert.True(json.GetProperty("questionRatio").GetDouble() > 0);
        Assert.True(json.GetProperty("windowRatio").GetDouble() > 0);
        Assert.True(json.GetProperty("windows").GetInt32() > 1);
        Assert.InRange(json.GetProperty("maxOptionDifference").GetDouble(), 0, 1e-4);
    }
}
