using Stlm.Actors.Configuration;

namespace Stlm.Tests.Actors.Configuration;

public class HoconSyntaxTests
{
    internal static Config Resolve(string text, Func<string, string?>? env = null) =>
        Config.ParseString(text, "test.conf").Resolve(env ?? (_ => null));

    static string Json(string text) => string.Concat(Resolve(text).ToJson().Where(c => !char.IsWhiteSpace(c)));

    [Fact]
    public void Hash_and_double_slash_comments_are_ignored()
    {
        var c = Resolve("# top\na = 1 // trailing\n// whole line\nb = 2 # trailing hash");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
    }

    [Fact]
    public void Unquoted_text_keeps_inner_spaces_and_stops_at_a_comment()
    {
        Assert.Equal("hello big world", Resolve("a = hello big world   # note").GetString("a"));
    }

    [Fact]
    public void Quoted_strings_support_json_escapes()
    {
        Assert.Equal("tab\there \"q\" \u00e9 a/b", Resolve("a = \"tab\\there \\\"q\\\" \\u00e9 a\\/b\"").GetString("a"));
    }

    [Fact]
    public void Triple_quoted_strings_span_lines_and_keep_backslashes()
    {
        var c = Resolve("a = \"\"\"line1\nline2 \\n \"quoted\"\"\"\"");
        Assert.Equal("line1\nline2 \\n \"quoted\"", c.GetString("a"));
    }

    [Fact]
    public void Numbers_booleans_and_null_are_typed_when_written_alone()
    {
        var c = Resolve("i = 42\nf = -1.5e3\nt = true\nn = null\nlooks = 10.0.0.1\ns = \"42\"");
        Assert.IsType<ConfigNumber>(c.GetValue("i"));
        Assert.Equal(-1500.0, c.GetDouble("f"));
        Assert.True(c.GetBoolean("t"));
        Assert.IsType<ConfigNull>(c.GetValue("n"));
        Assert.False(c.HasPath("n"));
        Assert.IsType<ConfigString>(c.GetValue("looks"));
        Assert.IsType<ConfigString>(c.GetValue("s"));
        Assert.Equal(42, c.GetInt("s"));
    }

    [Fact]
    public void Simple_values_side_by_side_concatenate_into_a_string_as_written()
    {
        Assert.Equal("1.50 true null x y", Resolve("a = 1.50 true null \"x\" y").GetString("a"));
    }

    [Fact]
    public void Lists_side_by_side_concatenate()
    {
        Assert.Equal("""{"a":[1,2,3]}""", Json("a = [1] [2, 3]"));
    }

    [Fact]
    public void Objects_side_by_side_merge_with_the_later_winning()
    {
        Assert.Equal("""{"a":{"x":2,"y":1,"z":3}}""", Json("a = {x: 1, y: 1} {x: 2, z: 3}"));
    }

    [Fact]
    public void Mixing_a_list_and_a_string_in_a_concatenation_is_an_error_at_the_string()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("a = [1] oops"));
        Assert.Contains("test.conf:1:9", e.Message);
        Assert.Contains("cannot concatenate", e.Message);
    }

    [Fact]
    public void Duplicate_keys_merge_objects_and_otherwise_the_later_wins()
    {
        Assert.Equal("""{"a":{"x":1,"y":2},"b":3}""", Json("a { x = 1 }\na { y = 2 }\nb = {z: 1}\nb = 3"));
        Assert.Equal("""{"b":{"z":1}}""", Json("b = 3\nb = {z: 1}"));
    }

    [Fact]
    public void Path_expressions_create_nested_objects_and_quoted_segments_keep_dots()
    {
        Assert.Equal("""{"a":{"b":{"c":1,"d.e":2}}}""", Json("a.b.c = 1\na.b.\"d.e\" = 2"));
        Assert.Equal(2, Resolve("a.b.\"d.e\" = 2").GetInt("a.b.\"d.e\""));
    }

    [Fact]
    public void Separators_can_be_equals_colon_or_omitted_before_a_brace()
    {
        Assert.Equal("""{"a":1,"b":2,"c":{"d":3}}""", Json("a = 1\nb : 2\nc { d = 3 }"));
    }

    [Fact]
    public void Commas_are_optional_between_fields_and_list_items_on_separate_lines_and_may_trail()
    {
        Assert.Equal("""{"a":1,"b":[1,2,3],"c":2}""", Json("a = 1,\nb = [\n 1\n 2,\n 3,\n]\nc = 2,"));
    }

    [Fact]
    public void Root_braces_are_optional()
    {
        Assert.Equal(Json("{ a = 1, b { c = 2 } }"), Json("a = 1, b { c = 2 }"));
    }

    [Fact]
    public void Empty_document_is_an_empty_object()
    {
        Assert.Equal("{}", Json("  # nothing\n"));
    }
}
