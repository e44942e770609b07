using Stlm.Actors.Configuration;
using Stlm.Model;

namespace Stlm.Tests.Actors.Configuration;

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
        var c = ConfigLoader.Load(null, ["stlm.data-dir=/big disk", "notes.list=[1, 2]", "notes.obj { a = 1 }", "notes.dur=5 s"], NoEnvironment);
        Assert.Equal("/big disk/journal.db", c.GetString("journal.sqlite.path"));
        Assert.Equal(["1", "2"], c.GetStringList("notes.list"));
        Assert.Equal(1, c.GetInt("notes.obj.a"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetDuration("notes.dur"));
    }

    [Theory]
    [InlineData("trainig.max-steps=5", "unknown key `trainig` at --set trainig.max-steps=5:1:1; did you mean `training`?")]
    [InlineData("nosuch.key.anywhere=1", "unknown key `nosuch` at --set nosuch.key.anywhere=1:1:1; known keys here: stlm, torch,")]
    [InlineData("journal.path=\"/j.db\"", "unknown key `journal.path` at --set journal.path=\"/j.db\":1:1; did you mean `journal.sqlite.path`?")]
    [InlineData("model.early-exit { curriculm = none }", "unknown key `model.early-exit.curriculm` at --set model.early-exit { curriculm = none }:1:20; did you mean `model.early-exit.curriculum`?")]
    public void A_key_no_part_of_stlm_reads_is_refused_at_any_depth_with_a_suggestion(string set, string expected)
    {
        var e = Assert.ThrowsAny<Stlm.Model.StlmException>(() => ConfigLoader.Load(null, [set], NoEnvironment));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_config_file_is_named_by_file_line_and_column()
    {
        var file = Path.Combine(Path.GetTempPath(), $"stlm-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, "notes { mine = 1 }\ntraining {\n  optimizer { lrr = 1e-3 }\n}\n");
        try
        {
            var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(file, [], NoEnvironment));
            Assert.Equal($"unknown key `training.optimizer.lrr` at {file}:3:15; did you mean `training.optimizer.lr`?", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_set_value_that_parses_only_quoted_says_how_to_quote_it()
    {
        var e = Assert.ThrowsAny<Stlm.Model.StlmException>(() => ConfigLoader.Load(null, ["torch.device=cuda:0"], NoEnvironment));
        Assert.EndsWith("quote the value: --set 'torch.device=\"cuda:0\"'", e.Message);
        Assert.Equal("cuda:0", ConfigLoader.Load(null, ["torch.device=\"cuda:0\""], NoEnvironment).GetString("torch.device"));
    }

    [Fact]
    public void Every_preset_uses_only_keys_of_the_reference()
    {
        foreach (var preset in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Presets"), "*.conf"))
            KnownKeys.Check(Config.ParseFile(preset));
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
