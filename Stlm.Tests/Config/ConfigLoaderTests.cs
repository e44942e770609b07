using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Tests.Configuration;

public sealed class ConfigLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("stlm-loader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string? NoEnvironment(string _) => null;

    [Fact]
    public void The_reference_is_embedded_and_matches_the_file_in_the_repository()
    {
        var embedded = EmbeddedText();
        var repository = Path.Combine(AppContext.BaseDirectory, "hocon", "reference.conf");
        Assert.Equal(File.ReadAllText(repository), embedded);
    }

    [Fact]
    public void The_reference_alone_resolves_and_holds_the_paper_baseline()
    {
        var c = ConfigLoader.Load(null, [], NoEnvironment);
        Assert.Equal(10, c.GetInt("model.n-layers"));
        Assert.Equal(512, c.GetInt("model.d-model"));
        Assert.Equal(6e-4, c.GetDouble("training.optimizer.lr"));
        Assert.Equal("./stlm-data/journal.db", c.GetString("journal.sqlite.path"));
        Assert.Equal(TimeSpan.FromMinutes(30), c.GetDuration("checkpoint.every-duration"));
    }

    [Fact]
    public void Every_default_in_the_reference_has_a_comment_above_it_or_beside_it()
    {
        var lines = EmbeddedText().Split('\n');
        var c = ConfigLoader.Load(null, [], NoEnvironment);
        var uncommented = Leaves(c.Root, "")
            .Where(l => l.Value.Origin.Source == ConfigLoader.ReferenceResource)
            .Where(l =>
            {
                var line = l.Value.Origin.Line - 1;
                var above = line > 0 ? lines[line - 1].TrimStart() : "";
                return !above.StartsWith('#') && !lines[line].Contains(" # ", StringComparison.Ordinal);
            })
            .Select(l => l.Path).ToList();
        Assert.Empty(uncommented);
    }

    [Fact]
    public void The_config_file_overrides_the_reference_and_set_overrides_both_in_order()
    {
        var file = Path.Combine(_dir, "run.conf");
        File.WriteAllText(file, "model { n-layers = 4, d-model = 128 }\ntraining.max-steps = 10");
        var c = ConfigLoader.Load(file, ["model.n-layers=2", "model.n-layers = 3", "training.tags = [a]", "training.tags += b"], NoEnvironment);
        Assert.Equal(3, c.GetInt("model.n-layers"));
        Assert.Equal(128, c.GetInt("model.d-model"));
        Assert.Equal(16, c.GetInt("model.n-heads"));
        Assert.Equal(10, c.GetInt("schedules.learning-rate.steps"));
        Assert.Equal(["a", "b"], c.GetStringList("training.tags"));
    }

    [Fact]
    public void A_set_value_is_parsed_as_hocon()
    {
        var c = ConfigLoader.Load(null, ["stlm.data-dir=/big disk", "x.list=[1, 2]", "x.obj { a = 1 }", "x.dur=5 s"], NoEnvironment);
        Assert.Equal("/big disk/journal.db", c.GetString("journal.sqlite.path"));
        Assert.Equal(["1", "2"], c.GetStringList("x.list"));
        Assert.Equal(1, c.GetInt("x.obj.a"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetDuration("x.dur"));
    }

    [Fact]
    public void The_environment_fills_optional_overrides_in_the_reference()
    {
        var c = ConfigLoader.Load(null, [], name => name == "STLM_DATA_DIR" ? "/scratch" : null);
        Assert.Equal("/scratch/journal.db", c.GetString("journal.sqlite.path"));
    }

    [Theory]
    [InlineData("model.n-layers", "--set model.n-layers: expected key=value")]
    [InlineData("a..b=1", "path has an empty element (`..`, or a leading or trailing `.`) at --set a..b=1:1:3;")]
    [InlineData("a=\"open", "unterminated quoted string at --set a=\"open:1:3;")]
    [InlineData("a=${", "bad substitution: expected a path after `${` but found end of input at --set a=${:1:3;")]
    public void A_bad_set_is_one_line_naming_the_argument(string argument, string expected)
    {
        var e = Assert.ThrowsAny<StlmException>(() => ConfigLoader.Load(null, [argument], NoEnvironment));
        Assert.StartsWith(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    static string EmbeddedText()
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream(ConfigLoader.ReferenceResource)!;
        return new StreamReader(stream).ReadToEnd();
    }

    static IEnumerable<(string Path, ConfigValue Value)> Leaves(ConfigObject o, string prefix) =>
        o.Fields.SelectMany(f => f.Value is ConfigObject child
            ? Leaves(child, prefix + f.Key + ".")
            : [(prefix + f.Key, f.Value)]);
}
