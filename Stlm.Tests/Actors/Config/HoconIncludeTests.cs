using Stlm.Actors.Configuration;

namespace Stlm.Tests.Actors.Configuration;

public sealed class HoconIncludeTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("stlm-hocon-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    Config Load(string main) => Config.ParseFile(Write("main.conf", main)).Resolve(_ => null);

    [Fact]
    public void Includes_are_relative_to_the_including_file()
    {
        Write("sub/inner.conf", "include \"deeper/leaf.conf\"\nx = 1");
        Write("sub/deeper/leaf.conf", "leaf = yes");
        var c = Load("include \"sub/inner.conf\"");
        Assert.Equal(1, c.GetInt("x"));
        Assert.Equal("yes", c.GetString("leaf"));
    }

    [Fact]
    public void File_and_required_forms_are_understood()
    {
        Write("a.conf", "a = 1");
        Write("b.conf", "b = 2");
        var c = Load("include file(\"a.conf\")\ninclude required( file( \"b.conf\" ) )");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
    }

    [Fact]
    public void A_missing_include_is_silently_ignored()
    {
        Assert.Equal(1, Load("include \"nope.conf\"\ninclude file(\"nope\")\nx = 1").GetInt("x"));
    }

    [Fact]
    public void A_missing_required_include_is_an_error_at_the_include()
    {
        var e = Assert.Throws<ConfigException>(() => Load("x = 1\n  include required(\"nope.conf\")"));
        Assert.StartsWith("required include \"nope.conf\" not found", e.Message);
        Assert.Contains($"{Path.Combine(_dir, "main.conf")}:2:3;", e.Message);
    }

    [Fact]
    public void An_extensionless_include_merges_conf_json_and_properties_with_conf_winning()
    {
        Write("both.conf", "shared = conf\nfromConf = 1");
        Write("both.json", "{ \"shared\": \"json\", \"fromJson\": 2 }");
        Write("both.properties", "shared=props\nfrom.props=3");
        var c = Load("include \"both\"");
        Assert.Equal("conf", c.GetString("shared"));
        Assert.Equal(2, c.GetInt("fromJson"));
        Assert.Equal("3", c.GetString("from.props"));
    }

    [Fact]
    public void An_include_inside_an_object_nests_its_fields_and_its_substitutions_look_there_first()
    {
        Write("part.conf", "size = 4\ndouble = ${size}\"x\"${size}");
        var c = Load("size = 1\nblock { include \"part.conf\" }");
        Assert.Equal("4x4", c.GetString("block.double"));
    }

    [Fact]
    public void Fields_after_an_include_override_it_and_fields_before_are_overridden()
    {
        Write("part.conf", "a = inc\nb = inc");
        var c = Load("a = before\ninclude \"part.conf\"\nb = after");
        Assert.Equal("inc", c.GetString("a"));
        Assert.Equal("after", c.GetString("b"));
    }

    [Fact]
    public void An_include_cycle_is_an_error()
    {
        Write("loop.conf", "include \"main.conf\"");
        var e = Assert.Throws<ConfigException>(() => Load("include \"loop.conf\""));
        Assert.Contains("include cycle: main.conf -> loop.conf -> main.conf", e.Message);
    }

    [Fact]
    public void Properties_files_support_continuations_escapes_and_all_separators()
    {
        var c = Config.ParseFile(Write("p.properties", "# comment\n! also\na.b = one \\\n    two\nc: x\\ty\nd value\n")).Resolve(_ => null);
        Assert.Equal("one two", c.GetString("a.b"));
        Assert.Equal("x\ty", c.GetString("c"));
        Assert.Equal("value", c.GetString("d"));
    }

    [Fact]
    public void Classpath_includes_read_resources_embedded_in_Stlm_Actors()
    {
        var c = Load("include classpath(\"reference.conf\")");
        Assert.Equal(10, c.GetInt("model.n-layers"));
    }
}
