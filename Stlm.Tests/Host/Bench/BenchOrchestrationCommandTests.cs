using System.Text.Json;
using Stlm.Host.Bench;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Bench;

public class BenchOrchestrationCommandTests
{
    [Fact]
    public void Bench_orchestration_reports_every_measure_on_a_tiny_run()
    {
        using var data = new TempDirectory();
        var tiny = TinyRun.Sets(maxSteps: 4).Where(s => !s.Contains("max-steps")).ToArray();

        var r = StlmProcess.Run(data.Path, new Dictionary<string, string> { ["STLM_DATA_DIR"] = data.Path },
            ["bench", "orchestration", "--steps", "4", "--warmup", "1", "--repeats", "1", "--json", .. tiny]);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var result = JsonDocument.Parse(r.StdOut).RootElement;
        foreach (var positive in new[] { "bareMedian", "actorMedian", "ratio", "writeMs", "ddMs", "resumeMedianMs", "processResumeMedianMs" })
            Assert.True(result.GetProperty(positive).GetDouble() > 0, positive);
        Assert.Equal(result.GetProperty("actorMedian").GetDouble() / result.GetProperty("bareMedian").GetDouble(), result.GetProperty("ratio").GetDouble(), 9);
        Assert.True(result.GetProperty("checkpointBytes").GetInt64() > 0);
        var pair = Assert.Single(result.GetProperty("pairs").EnumerateArray());
        Assert.True(pair.GetProperty("cpuRatio").GetDouble() > 0);
        Assert.Contains("no evaluations and no checkpoints", result.GetProperty("work").GetString());
        var phases = Assert.Single(result.GetProperty("processResumes").EnumerateArray()).GetProperty("phases").EnumerateArray()
            .Select(p => p.GetProperty("phase").GetString()).ToList();
        Assert.Equal("runtime", phases[0]);
        Assert.Contains("checkpoint load", phases);
        Assert.Equal("journal write seen", phases[^1]);
        Assert.Contains("first step", Assert.Single(result.GetProperty("resumes").EnumerateArray()).GetProperty("phases").EnumerateArray()
            .Select(p => p.GetProperty("phase").GetString()));
        Assert.False(File.Exists(Path.Combine(data.Path, "journal.db")), "the bench's runs stay out of the data folder's journal");
    }

    [Fact]
    public void Dd_writes_the_bytes_durably_and_reports_its_own_time()
    {
        using var dir = new TempDirectory();
        var file = dir.File("dd.bin");

        var seconds = DdReference.WriteSeconds(file, 3 * (1 << 20) + 123);

        Assert.InRange(seconds, 1e-9, 60);
        Assert.False(File.Exists(file), "the reference file is removed");
    }
}
