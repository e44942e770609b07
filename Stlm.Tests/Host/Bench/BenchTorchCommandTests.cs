using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Bench;

public class BenchTorchCommandTests
{
    [Fact]
    public void Bench_torch_json_reports_both_sides_of_every_measurement()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory,
            "bench", "torch", "--rounds", "1", "--iterations", "100", "--sizes", "64", "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        using var json = JsonDocument.Parse(result.StdOut);
        var small = json.RootElement.GetProperty("small_ops").EnumerateArray().ToArray();
        Assert.Equal([1L, 16L], small.Select(s => s.GetProperty("elements").GetInt64()));
        Assert.All(small, s => Assert.True(s.GetProperty("csharp_ns").GetDouble() > 0 && s.GetProperty("native_ns").GetDouble() > 0));
        var matmul = json.RootElement.GetProperty("matmul").EnumerateArray().ToArray();
        Assert.Equal([1, 2], matmul.Select(m => m.GetProperty("threads").GetInt32()));
        Assert.All(matmul, m => Assert.True(m.GetProperty("ratio").GetDouble() > 0));
    }

    [Fact]
    public void Bench_torch_rejects_a_bad_size_in_one_line()
    {
        var result = StlmProcess.Run(AppContext.BaseDirectory, "bench", "torch", "--sizes", "64,x");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--sizes: 'x'", result.StdErr);
    }
}
