using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

public class HoconEdgeCaseTests
{
    static string Json(string text) => string.Concat(Resolve(text).ToJson().Where(c => !char.IsWhiteSpace(c)));

    [Fact]
    public void An_undefined_optional_substitution_keeps_an_earlier_object()
    {
        Assert.Equal("""{"a":{"x":1}}""", Json("a = {x: 1}\na = ${?nope}"));
    }

    [Fact]
    public void An_object_extends_itself_through_a_self_reference()
    {
        Assert.Equal("""{"foo":{"bar":1,"baz":2}}""", Json("foo { bar = 1 }\nfoo = ${foo} { baz = 2 }"));
    }

    [Fact]
    public void Null_joins_a_string_concatenation_as_the_word_null()
    {
        Assert.Equal("null x", Resolve("a = null\nb = ${a} x").GetString("b"));
    }

    [Fact]
    public void A_triple_quoted_string_concatenates_with_unquoted_text()
    {
        Assert.Equal("xy", Resolve("a = \"\"\"x\"\"\"y").GetString("a"));
    }

    [Fact]
    public void A_key_made_of_quoted_and_unquoted_parts_keeps_the_space_between_them()
    {
        var root = Resolve("\"a b\" c = 1").Root;
        Assert.Equal(["a b c"], root.Fields.Keys);
    }

    [Fact]
    public void Numeric_looking_keys_are_paths()
    {
        Assert.Equal("""{"10":{"0":"x"}}""", Json("10.0 = x"));
    }

    [Fact]
    public void Windows_line_endings_and_a_byte_order_mark_are_accepted()
    {
        var c = Resolve("\uFEFFa = 1\r\nb {\r\n  c = two words\r\n}\r\n");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal("two words", c.GetString("b.c"));
    }

    [Fact]
    public void Undefined_optional_substitutions_vanish_from_lists()
    {
        Assert.Equal("""{"a":[1]}""", Json("a = [ ${?x}, 1 ]"));
    }

    [Fact]
    public void Include_is_an_ordinary_key_when_not_followed_by_a_file_name()
    {
        Assert.Equal("""{"include":5}""", Json("include = 5"));
    }

    [Fact]
    public void A_value_may_start_on_the_line_after_its_separator()
    {
        Assert.Equal("""{"a":{"b":1}}""", Json("a =\n\n  { b = 1 }"));
    }
}

public class HoconLayeredSelfReferenceTests
{
    [Fact]
    public void A_nested_self_reference_reads_through_an_object_substitution_below_it()
    {
        var c = Resolve("base { b = start }\na = ${base}\na { b = ${a.b}\" more\" }");
        Assert.Equal("start more", c.GetString("a.b"));
    }

    [Fact]
    public void A_nested_self_reference_under_an_extended_object_reads_the_fallback()
    {
        var user = Stlm.Actors.Configuration.Config.ParseString("a { b = ${a.b}\" x\" }\na = ${a} { c = 1 }");
        var reference = Stlm.Actors.Configuration.Config.ParseString("a.b = y");
        var c = user.WithFallback(reference).Resolve(_ => null);
        Assert.Equal("y x", c.GetString("a.b"));
        Assert.Equal(1, c.GetInt("a.c"));
    }
}
