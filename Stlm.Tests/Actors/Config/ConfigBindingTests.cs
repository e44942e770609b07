using Stlm.Actors.Configuration;
using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

public class ConfigBindingTests
{
    public enum Family { Llama, BytePooled }

    public sealed record ModelSection(int NLayers, int DModel, double Dropout, Family Architecture, bool TieEmbeddings = true, string? Note = null);

    public sealed record Schedule(string Kind, TimeSpan Every, IReadOnlyList<int> Milestones);

    public sealed record Run(ModelSection Model, Schedule Schedule, Dictionary<string, string> Labels);

    [OpenConfigSection]
    public sealed record Loose(int A);

    public sealed record WithInit
    {
        public int Steps { get; init; } = 7;
        public string Name { get; init; } = "default";
    }

    const string Text = """
        model {
          n-layers = 10
          dModel = 512
          dropout = 0.1
          architecture = byte-pooled
        }
        schedule { kind = cosine, every = 5m, milestones = [1, 2] }
        labels { owner = me }
        """;

    [Fact]
    public void Kebab_and_camel_case_keys_bind_to_PascalCase_parameters()
    {
        var run = Resolve(Text).Bind<Run>();
        Assert.Equal(new ModelSection(10, 512, 0.1, Family.BytePooled), run.Model);
        Assert.Equal("cosine", run.Schedule.Kind);
        Assert.Equal(TimeSpan.FromMinutes(5), run.Schedule.Every);
        Assert.Equal([1, 2], run.Schedule.Milestones);
        Assert.Equal("me", run.Labels["owner"]);
    }

    [Fact]
    public void A_section_binds_by_path()
    {
        Assert.Equal(512, Resolve(Text).Bind<ModelSection>("model").DModel);
    }

    [Fact]
    public void Init_properties_bind_and_keep_their_defaults_when_absent()
    {
        var w = Resolve("w { steps = 3 }").Bind<WithInit>("w");
        Assert.Equal(3, w.Steps);
        Assert.Equal("default", w.Name);
    }

    [Fact]
    public void A_wrong_type_names_the_key_and_the_value_position()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve(Text.Replace("dModel = 512", "dModel = wide")).Bind<Run>());
        Assert.Equal("`model.d-model` must be a whole number but is string \"wide\" at test.conf:3:12; fix the value in the configuration", e.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_closed_section_suggests_the_closest_known_key()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve(Text.Replace("n-layers = 10", "n-layers = 10\n  n-layer = 12")).Bind<Run>());
        Assert.Equal("unknown key `model.n-layer` at test.conf:3:3; did you mean `model.n-layers`?", e.Message);
    }

    public sealed record Shards(long ShardSize, long Count);

    [Fact]
    public void A_long_accepts_a_size_with_units()
    {
        var s = Resolve("s { shard-size = 16M, count = 3 }").Bind<Shards>("s");
        Assert.Equal(16L << 20, s.ShardSize);
        Assert.Equal(3, s.Count);
    }

    [Fact]
    public void An_open_section_accepts_extra_keys()
    {
        Assert.Equal(1, Resolve("l { a = 1, extra = 2 }").Bind<Loose>("l").A);
    }

    [Fact]
    public void A_missing_required_key_is_an_error_at_the_section()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("model { n-layers = 1, d-model = 2, dropout = 0 }").Bind<ModelSection>("model"));
        Assert.Equal("missing key `model.architecture` in the ModelSection section at test.conf:1:7; add `architecture = …` to it (or to hocon/reference.conf)", e.Message);
    }

    [Fact]
    public void A_bad_enum_value_lists_the_choices()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve(Text.Replace("byte-pooled", "gpt")).Bind<Run>());
        Assert.Contains("one of llama, byte-pooled", e.Message);
    }

    [Theory]
    [InlineData("NLayers", "n-layers")]
    [InlineData("DModel", "d-model")]
    [InlineData("LrWarmupSteps", "lr-warmup-steps")]
    [InlineData("HTTPPort", "http-port")]
    [InlineData("Ffn2Hidden", "ffn2-hidden")]
    public void Property_names_map_to_kebab_case(string property, string key)
    {
        Assert.Equal(key, ConfigBinder.Kebab(property));
    }
}
