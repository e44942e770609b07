using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Bench;

public class BenchActorsCommandTests
{
    [Fact]
    public void Bench_actors_reports_every_workload_with_a_ratio_against_its_goal()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "bench", "actors", "--messages", "2000", "--rounds", "1", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var workloads = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["ping-pong", "fan-out", "fan-in"], workloads.Select(w => w.GetProperty("workload").GetString()!.Split(' ')[0]));
        Assert.All(workloads, w =>
        {
            Assert.True(w.GetProperty("median").GetDouble() > 0);
            Assert.Equal(w.GetProperty("median").GetDouble() / w.GetProperty("goal").GetDouble(), w.GetProperty("ratio").GetDouble(), 6);
        });
    }

    [Fact]
    public void Bench_journal_reports_persist_recovery_and_snapshot_tail_on_sqlite_with_ratios()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), new Dictionary<string, string> { ["STLM_TEST_PG"] = "" },
            "bench", "journal", "--events", "300", "--tail", "50", "--rounds", "1", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var sqlite = Assert.Single(json.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("sqlite", sqlite.GetProperty("engine").GetString());
        Assert.True(sqlite.GetProperty("persistEventsPerSecond").GetDouble() > 0);
        Assert.Equal(Math.Round(sqlite.GetProperty("persistEventsPerSecond").GetDouble() / 20_000, 2), sqlite.GetProperty("persistRatio").GetDouble(), 2);
        Assert.True(sqlite.GetProperty("snapshotTailSeconds").GetDouble() > 0);
    }

    [Fact]
    public void Bench_actors_rejects_nonsense_counts_in_one_line()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "bench", "actors", "--messages", "5");

        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--messages", r.StdErr);
    }
}
