using System.Text.Json;
using Stlm.Actors.Configuration;
using Stlm.Model;
using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

public class ConfigApiTests
{
    const string Sample = """
        run {
          name = tiny
          steps = 25000
          big = 9000000000
          lr = 6e-4
          fast = on
          tags = [a, b, 3]
          wait = 30s
          cache = 64M
        }
        """;

    [Fact]
    public void Typed_getters_read_resolved_values()
    {
        var c = Resolve(Sample);
        Assert.Equal("tiny", c.GetString("run.name"));
        Assert.Equal(25000, c.GetInt("run.steps"));
        Assert.Equal(9_000_000_000L, c.GetLong("run.big"));
        Assert.Equal(6e-4, c.GetDouble("run.lr"));
        Assert.True(c.GetBoolean("run.fast"));
        Assert.Equal(["a", "b", "3"], c.GetStringList("run.tags"));
        Assert.Equal(TimeSpan.FromSeconds(30), c.GetDuration("run.wait"));
        Assert.Equal(64L << 20, c.GetBytes("run.cache"));
        Assert.Equal("tiny", c.GetConfig("run").GetString("name"));
        Assert.True(c.HasPath("run.name"));
        Assert.False(c.HasPath("run.nothing"));
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_an_error_naming_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve(Sample).GetInt("run.name"));
        Assert.Equal("`run.name` must be a whole number but is string \"tiny\" at test.conf:2:10; fix the value in the configuration", e.Message);
        Assert.Throws<ConfigException>(() => Resolve(Sample).GetInt("run.big"));
    }

    [Fact]
    public void A_missing_key_is_an_StlmException_naming_it()
    {
        var e = Assert.Throws<StlmException>(() => Resolve(Sample).GetString("run.missing"));
        Assert.Contains("`run.missing`", e.Message);
    }

    [Fact]
    public void WithFallback_lets_the_receiver_win_and_merges_objects()
    {
        var user = Config.ParseString("a { x = 1 }\nb = user");
        var defaults = Config.ParseString("a { x = 0, y = 2 }\nb = default\nc = 3");
        var c = user.WithFallback(defaults).Resolve(_ => null);
        Assert.Equal(1, c.GetInt("a.x"));
        Assert.Equal(2, c.GetInt("a.y"));
        Assert.Equal("user", c.GetString("b"));
        Assert.Equal(3, c.GetInt("c"));
    }

    [Fact]
    public void Substitutions_resolve_against_the_merged_layers()
    {
        var user = Config.ParseString("dir = /fast");
        var defaults = Config.ParseString("dir = /tmp\nlog = ${dir}/log");
        Assert.Equal("/fast/log", user.WithFallback(defaults).Resolve(_ => null).GetString("log"));
    }

    [Fact]
    public void Json_rendering_is_valid_json_with_types_kept()
    {
        var json = JsonDocument.Parse(Resolve(Sample).ToJson()).RootElement.GetProperty("run");
        Assert.Equal(25000, json.GetProperty("steps").GetInt32());
        Assert.Equal(6e-4, json.GetProperty("lr").GetDouble());
        Assert.Equal("on", json.GetProperty("fast").GetString());
        Assert.Equal(3, json.GetProperty("tags").GetArrayLength());
    }

    [Fact]
    public void Hocon_rendering_parses_back_to_the_same_tree()
    {
        var original = Resolve(Sample + "\nweird { \"key with.dot\" = \"line\\nbreak\", empty = {}, nested = [{a = 1}, [2]] }");
        var again = Config.ParseString(original.ToHocon(origins: true)).Resolve(_ => null);
        Assert.Equal(original.ToJson(), again.ToJson());
    }

    [Fact]
    public void Origin_comments_name_the_file_line_and_column_of_each_value()
    {
        Assert.Contains("# test.conf:3:11", Resolve(Sample).ToHocon(origins: true));
    }

    [Fact]
    public void The_content_hash_ignores_order_and_origin_but_not_values()
    {
        var a = Config.ParseString("x = 1\ny { b = [1, 2], a = s }", "one.conf").Resolve(_ => null);
        var b = Config.ParseString("y.a = s\ny.b = [1, 2]\nx = 1", "two.conf").Resolve(_ => null);
        var c = Config.ParseString("x = 2\ny { b = [1, 2], a = s }").Resolve(_ => null);
        Assert.Equal(a.ContentHash(), b.ContentHash());
        Assert.NotEqual(a.ContentHash(), c.ContentHash());
        Assert.Matches("^[0-9a-f]{64}$", a.ContentHash());
    }

    [Fact]
    public void Getters_refuse_an_unresolved_config()
    {
        Assert.Throws<InvalidOperationException>(() => Config.ParseString("a = ${b}\nb = 1").GetInt("a"));
    }

    [Fact]
    public void WithValue_overrides_one_path()
    {
        var c = Config.ParseString("a { b = 1, c = 2 }").WithValue("a.b", new ConfigNumber(ConfigOrigin.Unknown, "5")).Resolve(_ => null);
        Assert.Equal(5, c.GetInt("a.b"));
        Assert.Equal(2, c.GetInt("a.c"));
    }
}
