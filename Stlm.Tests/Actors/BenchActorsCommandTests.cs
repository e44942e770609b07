using System.Text.Json;
using Stlm.Tests.Host;

namespace Stlm.Tests.Actors;

public class BenchActorsCommandTests
{
    [Fact]
    public void Bench_actors_reports_every_workload_with_a_ratio_against_its_goal()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "bench", "actors", "--messages", "2000", "--rounds", "1", "--events", "200", "--json");

        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var workloads = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(5, workloads.Count);
        Assert.Contains(workloads, w => w.GetProperty("workload").GetString()!.StartsWith("ping-pong"));
        Assert.Contains(workloads, w => w.GetProperty("workload").GetString()!.StartsWith("recover on in-memory journal"));
        Assert.All(workloads, w =>
        {
            Assert.True(w.GetProperty("median").GetDouble() > 0);
            Assert.Equal(w.GetProperty("median").GetDouble() / w.GetProperty("goal").GetDouble(), w.GetProperty("ratio").GetDouble(), 6);
        });
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
