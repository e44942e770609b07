using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public class ScheduleCommandTests : IDisposable
{
    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("stlm-schedule-");

    public void Dispose() => dir.Delete(recursive: true);

    static readonly string[] Short = ["--set", "training.max-steps=100", "--set", "schedules.learning-rate.warmup-steps=10"];

    [Fact]
    public void Prints_the_values_at_the_steps_where_something_happens()
    {
        var r = StlmProcess.Run(dir.FullName, ["schedule", .. Short, "--override", "lr*=0.5@60"]);
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n');
        Assert.Contains(lines, l => l.Contains("learning-rate cosine") && l.StartsWith("100 steps"));
        Assert.Contains(lines, l => l.Trim() == "override lr*=0.5@60");
        Assert.Contains(lines, l => l.TrimStart().StartsWith("10 ") && l.Contains("6.0000e-04"));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("59 "));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("60 "));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("99 "));
    }

    [Fact]
    public void Json_gives_every_step()
    {
        var r = StlmProcess.Run(dir.FullName, ["schedule", .. Short, "--set", "model.n-layers=3", "--json"]);
        Assert.Equal(0, r.ExitCode);
        var root = JsonDocument.Parse(r.StdOut).RootElement;
        var values = root.GetProperty("values");
        Assert.Equal(100, values.GetArrayLength());
        Assert.Equal(6e-4 / 11, values[0].GetProperty("lr").GetDouble(), 15);
        Assert.Equal(6e-4, values[10].GetProperty("lr").GetDouble());
        Assert.Equal(0.1, values[99].GetProperty("dropout").GetDouble());
        Assert.Equal(3, values[50].GetProperty("exitLossWeights").GetArrayLength());
        Assert.Equal(3, values[50].GetProperty("layerDropout").GetArrayLength());
    }

    [Theory]
    [InlineData("chart.png")]
    [InlineData("chart.svg")]
    public void Out_draws_the_schedules_as_an_image(string name)
    {
        var path = Path.Combine(dir.FullName, name);
        var r = StlmProcess.Run(dir.FullName, ["schedule", .. Short, "--set", "schedules.early-exit.loss-scale=1",
            "--set", "schedules.early-exit.max-layer-dropout=0.2", "--out", path]);
        Assert.Equal(0, r.ExitCode);
        // Either name gives both formats, side by side.
        var png = File.ReadAllBytes(Path.ChangeExtension(path, ".png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        var texts = System.Xml.Linq.XDocument.Load(Path.ChangeExtension(path, ".svg"))
            .Descendants((System.Xml.Linq.XNamespace)"http://www.w3.org/2000/svg" + "text").Select(t => t.Value.Trim()).ToList();
        Assert.Contains("Learning rate", texts);
        Assert.Contains(texts, t => t.StartsWith("Dropout and layer dropout"));
        Assert.Contains(texts, t => t.StartsWith("Early-exit loss weights"));
    }

    [Theory]
    [InlineData("unknown schedule `momentum`", "--override", "momentum=0.9")]
    [InlineData("schedules.learning-rate.warmup-steps", "--set", "schedules.learning-rate.warmup-steps=200")]
    [InlineData(".png or .svg", "--out", "chart.jpg")]
    public void Bad_input_gives_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var r = StlmProcess.Run(dir.FullName, ["schedule", .. Short, .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.StdErr);
        Assert.Single(r.StdErr.Trim().Split('\n'));
    }
}
