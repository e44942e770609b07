using Stlm.Actors.Configuration;
using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

public class HoconSubstitutionTests
{
    [Fact]
    public void Substitution_copies_a_value_from_anywhere_in_the_tree_even_later()
    {
        var c = Resolve("a = ${b.c}\nb.c = 5\nd = ${b}");
        Assert.Equal(5, c.GetInt("a"));
        Assert.Equal(5, c.GetInt("d.c"));
    }

    [Fact]
    public void Substitutions_concatenate_with_strings()
    {
        Assert.Equal("/data/runs/x", Resolve("root = /data\nrun = ${root}\"/runs/\"x").GetString("run"));
    }

    [Fact]
    public void Optional_missing_substitution_leaves_the_field_out_or_keeps_the_earlier_value()
    {
        var c = Resolve("a = ${?nowhere}\nb = 10\nb = ${?nowhere}\nc = x${?nowhere}y");
        Assert.False(c.HasPath("a"));
        Assert.Equal(10, c.GetInt("b"));
        Assert.Equal("xy", c.GetString("c"));
    }

    [Fact]
    public void A_self_reference_reads_the_value_defined_before()
    {
        var c = Resolve("path = [a]\npath = ${path} [b]\ns = x\ns = ${s}\":more\"");
        Assert.Equal(["a", "b"], c.GetStringList("path"));
        Assert.Equal("x:more", c.GetString("s"));
    }

    [Fact]
    public void A_self_reference_inside_a_path_expression_reads_below_then_merges()
    {
        // The HOCON spec's example: ${foo.a} refers to { c : 1 }, so foo ends as { a : 2, c : 1 }.
        var c = Resolve("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }");
        Assert.Equal(2, c.GetInt("foo.a"));
        Assert.Equal(1, c.GetInt("foo.c"));
    }

    [Fact]
    public void A_self_reference_in_an_override_reads_the_fallback()
    {
        var reference = Config.ParseString("tags = [base]\nname = run");
        var user = Config.ParseString("tags = ${tags} [mine]\nname = ${name}-2");
        var c = user.WithFallback(reference).Resolve(_ => null);
        Assert.Equal(["base", "mine"], c.GetStringList("tags"));
        Assert.Equal("run-2", c.GetString("name"));
    }

    [Fact]
    public void Plus_equals_appends_to_a_list_or_starts_one()
    {
        var c = Resolve("a = [1]\na += 2\nb += x\nb += y");
        Assert.Equal(["1", "2"], c.GetStringList("a"));
        Assert.Equal(["x", "y"], c.GetStringList("b"));
    }

    [Fact]
    public void An_object_may_refer_to_paths_inside_itself()
    {
        var c = Resolve("bar : { foo : 42, baz : ${bar.foo} }\nbar : { foo : 43 }");
        Assert.Equal(43, c.GetInt("bar.baz"));
    }

    [Fact]
    public void Missing_substitutions_fall_back_to_environment_variables()
    {
        var c = Resolve("home = ${HOME_FOR_TEST}/x\nopt = ${?UNSET_FOR_TEST}", name => name == "HOME_FOR_TEST" ? "/home/me" : null);
        Assert.Equal("/home/me/x", c.GetString("home"));
        Assert.False(c.HasPath("opt"));
    }

    [Fact]
    public void The_tree_wins_over_the_environment()
    {
        Assert.Equal("tree", Resolve("HOME = tree\nh = ${HOME}", _ => "env").GetString("h"));
    }

    [Fact]
    public void A_cycle_is_an_error_naming_the_cycle_and_where_it_starts()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("a = ${b}\nb = ${c}\nc = ${a}"));
        Assert.Equal("substitution cycle ${b} -> ${c} -> ${a} -> ${b} at test.conf:1:5; make one of these values a literal instead of a substitution", e.Message);
    }

    [Fact]
    public void A_field_referring_to_its_parent_is_a_cycle()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("a { b = ${a} }"));
        Assert.Contains("cycle", e.Message);
        Assert.Contains("test.conf:1:9", e.Message);
    }

    [Fact]
    public void A_required_substitution_that_is_nowhere_is_an_error_at_its_position()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("x = 1\ny = foo ${no.such.key}"));
        Assert.Equal("could not resolve substitution ${no.such.key} at test.conf:2:9; define `no.such.key` in the configuration or the environment, or write ${?no.such.key} to make it optional", e.Message);
    }
}

public class HoconSubstitutionSpecExampleTests
{
    [Fact]
    public void An_object_substitution_concatenated_with_an_object_inherits_and_overrides()
    {
        var c = Resolve("""
            data-center-generic = { cluster-size = 6 }
            data-center-east = ${data-center-generic} { name = "east" }
            data-center-west = ${data-center-generic} { cluster-size = 8 }
            """);
        Assert.Equal(6, c.GetInt("data-center-east.cluster-size"));
        Assert.Equal("east", c.GetString("data-center-east.name"));
        Assert.Equal(8, c.GetInt("data-center-west.cluster-size"));
    }

    [Fact]
    public void A_list_substitution_concatenates_with_lists()
    {
        Assert.Equal(["0", "1", "2", "3"], Resolve("b = [1, 2]\na = [0] ${b} [3]").GetStringList("a"));
    }

    [Fact]
    public void Children_of_a_substituted_object_resolve_their_own_substitutions()
    {
        var c = Resolve("x = ${y}\ny = { z = ${w}, v = ${y.z}\"!\" }\nw = 1");
        Assert.Equal(1, c.GetInt("x.z"));
        Assert.Equal("1!", c.GetString("x.v"));
    }

    [Fact]
    public void A_self_reference_in_a_nested_field_reads_the_fallback_value()
    {
        var user = Config.ParseString("a { b = ${a.b}\"-user\" }");
        var reference = Config.ParseString("a.b = ref");
        Assert.Equal("ref-user", user.WithFallback(reference).Resolve(_ => null).GetString("a.b"));
    }

    [Fact]
    public void An_optional_self_reference_with_nothing_before_is_empty()
    {
        var c = Resolve("a = ${?a} foo\nb = ${?b} [x]");
        Assert.Equal("foo", c.GetString("a"));
        Assert.Equal(["x"], c.GetStringList("b"));
    }

    [Fact]
    public void Self_references_chain_through_several_definitions_and_layers()
    {
        var lower = Config.ParseString("p = [a]\np += b");
        var upper = Config.ParseString("p += c\np = ${p} [d]");
        Assert.Equal(["a", "b", "c", "d"], upper.WithFallback(lower).Resolve(_ => null).GetStringList("p"));
    }

    [Fact]
    public void Substituting_a_value_and_then_overriding_a_child_keeps_both()
    {
        var c = Resolve("base { x = 1, y = 2 }\nderived = ${base}\nderived.y = 3");
        Assert.Equal(1, c.GetInt("derived.x"));
        Assert.Equal(3, c.GetInt("derived.y"));
        Assert.Equal(2, c.GetInt("base.y"));
    }

    [Fact]
    public void Two_fields_referring_to_each_other_are_a_cycle()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("a = ${b}\nb = ${a}"));
        Assert.StartsWith("substitution cycle ${b} -> ${a} -> ${b} at test.conf:1:5", e.Message);
    }

    [Fact]
    public void Substitutions_between_strings_keep_the_spaces_between_them()
    {
        Assert.Equal("1 and 2", Resolve("x = 1\ny = 2\nz = ${x} and ${y}").GetString("z"));
    }

    [Fact]
    public void A_section_with_thousands_of_keys_parses()
    {
        var text = string.Join("\n", Enumerable.Range(0, 5000).Select(i => $"k{i} = {i}"));
        var c = Resolve(text);
        Assert.Equal(4999, c.GetInt("k4999"));
    }
}
