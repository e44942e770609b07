using System.Text.Json;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public sealed class ConfigCommandTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("stlm-config-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Config_json_prints_the_reference_with_set_overrides_from_any_folder()
    {
        var r = StlmProcess.Run(_dir, "config", "--set", "notes.b=1", "--set", "model.n-layers=4", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var json = JsonDocument.Parse(r.StdOut).RootElement;
        Assert.Equal(1, json.GetProperty("notes").GetProperty("b").GetInt32());
        Assert.Equal(4, json.GetProperty("model").GetProperty("n-layers").GetInt32());
        Assert.Equal(512, json.GetProperty("model").GetProperty("d-model").GetInt32());
    }

    [Fact]
    public void Config_prints_hocon_with_origins_that_layers_a_config_file()
    {
        File.WriteAllText(Path.Combine(_dir, "run.conf"), "training {\n  max-steps = 99\n}\n");
        var r = StlmProcess.Run(_dir, "config", "--config", "run.conf", "--origins");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("# run.conf:2:15\n  max-steps = 99", r.StdOut);
        Assert.Contains("    steps = 99", r.StdOut); // schedules.learning-rate.steps follows ${training.max-steps}
    }

    [Fact]
    public void A_bad_config_file_gives_one_line_with_its_position_and_a_nonzero_exit()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.conf"), "model {\n  n-layers = \"oops\n}\n");
        var r = StlmProcess.Run(_dir, "config", "--config", "bad.conf");
        Assert.NotEqual(0, r.ExitCode);
        var lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("stlm: unterminated quoted string at bad.conf:2:14;", lines[0]);
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void A_bad_set_gives_one_line_naming_the_argument()
    {
        var r = StlmProcess.Run(_dir, "config", "--set", "model.n-layers");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("stlm: --set model.n-layers: expected key=value, e.g. --set training.lr=3e-4", r.StdErr.Trim());
    }
}
