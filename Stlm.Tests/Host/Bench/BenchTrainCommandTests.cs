using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Bench;

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
    public void Bench_train_runs_each_side_in_its_own_precision_and_says_which()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory, "bench", "train", "--preset", "llama-tiny-bytes", "--steps", "1",
            "--batch", "1", "--context", "8", "--precision", "bf16-mixed", "--reference-precision", "bf16-mixed", "--blas-threads", "1", "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var run = Assert.Single(json.RootElement.EnumerateArray().ToArray());
        Assert.Equal(("bf16-mixed", "bf16-mixed", 1), (run.GetProperty("Precision").GetString(), run.GetProperty("ReferencePrecision").GetString(), run.GetProperty("BlasThreads").GetInt32()));
        Assert.True(run.GetProperty("StlmTokensPerSecond").GetDouble() > 0);
        Assert.True(run.GetProperty("MatmulGflops").GetDouble() > 0);   // the bf16 matmul peak
    }

    [Fact]
    public void Bench_train_refuses_an_unknown_precision_in_one_line()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory, "bench", "train", "--preset", "llama-1m", "--precision", "bf16");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--precision bf16", result.StdErr);
        Assert.Contains("bf16-mixed", result.StdErr);
        Assert.DoesNotContain("   at ", result.StdErr);
    }

    [Fact]
    public void Bench_train_names_the_presets_when_one_is_unknown()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory, "bench", "train", "--preset", "llama-7b", "--steps", "1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("llama-10m", result.StdErr);
    }
}
