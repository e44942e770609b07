using System.Text.Json;

namespace Stlm.Tests.Host;

public class BenchTrainCommandTests
{
    [Fact]
    public void Bench_train_json_pairs_stlm_steps_with_pytorch_steps_and_reports_a_ratio()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory,
            "bench", "train", "--preset", "llama-1m", "--steps", "2", "--batch", "1", "--context", "8", "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var run = Assert.Single(json.RootElement.EnumerateArray().ToArray());
        Assert.Equal(2, run.GetProperty("Pairs").GetInt32());
        Assert.True(run.GetProperty("StlmTokensPerSecond").GetDouble() > 0);
        Assert.True(run.GetProperty("MatmulGflops").GetDouble() > 0);
        if (File.Exists("/usr/bin/python3") && run.GetProperty("TorchNote").ValueKind == JsonValueKind.Null)
            Assert.True(run.GetProperty("Ratio").GetDouble() > 0);
        else
            Assert.Contains("python3", run.GetProperty("TorchNote").GetString());
    }

    [Fact]
    public void Bench_train_names_the_presets_when_one_is_unknown()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory, "bench", "train", "--preset", "llama-7b", "--steps", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("llama-10m", result.StdErr);
    }
}
