using System.Text.Json;
using Stlm.Actors.Configuration;

namespace Stlm.Tests.Actors.Configuration;

/// <summary>
/// Lightbend's equivalence suite: every .conf/.json/.properties file in an equivNN folder must
/// resolve to the same tree as that folder's original.json (read here with System.Text.Json, an
/// independent parser).
/// </summary>
public class HoconEquivalenceTests
{
    static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Hocon");

    public static TheoryData<string, string> Files()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Directory.GetDirectories(Root, "equiv*").Order())
            foreach (var file in Directory.GetFiles(folder).Order())
                if (Path.GetFileName(file) != "original.json")
                    data.Add(Path.GetFileName(folder), Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void The_suite_has_all_five_folders_and_every_variant()
    {
        var files = Files().Select(row => (string)row[0] + "/" + (string)row[1]).ToList();
        Assert.Equal(5, files.Select(f => f.Split('/')[0]).Distinct().Count());
        Assert.Contains("equiv01/properties-style.conf", files);
        Assert.Contains("equiv03/includes.conf", files);
        Assert.Contains("equiv05/triple-quotes.conf", files);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Each_file_resolves_to_the_same_tree_as_original_json(string folder, string file)
    {
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, folder, "original.json"))).RootElement;
        var actual = Config.ParseFile(Path.Combine(Root, folder, file)).Resolve(_ => null).Root;
        AssertSame(expected, actual, "");
    }

    static void AssertSame(JsonElement expected, ConfigValue actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = Assert.IsType<ConfigObject>(actual);
                var keys = expected.EnumerateObject().Select(p => p.Name).Order().ToList();
                Assert.True(keys.SequenceEqual(obj.Fields.Keys.Order()), $"keys at `{path}`: expected [{string.Join(", ", keys)}], got [{string.Join(", ", obj.Fields.Keys.Order())}]");
                foreach (var p in expected.EnumerateObject()) AssertSame(p.Value, obj.Fields[p.Name], path + "." + p.Name);
                break;
            case JsonValueKind.Array:
                var list = Assert.IsType<ConfigList>(actual);
                var items = expected.EnumerateArray().ToList();
                Assert.True(items.Count == list.Items.Count, $"length of `{path}`");
                for (var i = 0; i < items.Count; i++) AssertSame(items[i], list.Items[i], $"{path}[{i}]");
                break;
            case JsonValueKind.String:
                Assert.Equal(expected.GetString(), Assert.IsType<ConfigString>(actual).Value);
                break;
            case JsonValueKind.Number:
                Assert.Equal(expected.GetDouble(), Assert.IsType<ConfigNumber>(actual).AsDouble());
                break;
            case JsonValueKind.True or JsonValueKind.False:
                Assert.Equal(expected.GetBoolean(), Assert.IsType<ConfigBoolean>(actual).Value);
                break;
            case JsonValueKind.Null:
                Assert.IsType<ConfigNull>(actual);
                break;
            default:
                throw new InvalidOperationException(expected.ValueKind.ToString());
        }
    }
}
