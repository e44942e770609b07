using System.Globalization;
using System.Text.Json;

namespace Stlm.Model.Eval;

/// <summary>
/// A JSON object read from one line of a jsonl file, with accessors that turn a missing or
/// mistyped field into a StlmException naming file:line — benchmark files come from outside.
/// </summary>
public sealed record JsonLine(string Origin, JsonElement Root)
{
    /// <summary>The objects of a jsonl file with their origins ("path:line"); blank lines are skipped.</summary>
    public static IEnumerable<JsonLine> Read(string path)
    {
        if (!File.Exists(path)) throw new StlmException($"{path} not found: check the --data path");
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var origin = $"{path}:{number}";
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(line);
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new StlmException($"{origin}: not valid JSON ({e.Message.Split('.')[0]}): each line must be one JSON object");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new StlmException($"{origin}: expected a JSON object, found {root.ValueKind}");
            yield return new JsonLine(origin, root);
        }
    }

    public bool Has(string name) => Root.TryGetProperty(name, out _);

    /// <summary>The element at a dotted path ("question.stem").</summary>
    public JsonElement Get(string path)
    {
        var element = Root;
        foreach (var name in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                throw Error($"missing field \"{path}\"");
        }
        return element;
    }

    public string String(string path) => StringOf(Get(path), path);

    public string StringOf(JsonElement element, string what) => element.ValueKind == JsonValueKind.String
        ? element.GetString()!
        : throw Error($"\"{what}\" is {element.ValueKind}, expected a string");

    public IReadOnlyList<JsonElement> Array(string path)
    {
        var element = Get(path);
        return element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().ToArray()
            : throw Error($"\"{path}\" is {element.ValueKind}, expected an array");
    }

    public IReadOnlyList<string> Strings(string path) => Array(path).Select((e, i) => StringOf(e, $"{path}[{i}]")).ToArray();

    /// <summary>An integer given as a JSON number or as a string of digits ("label": 3 or "3").</summary>
    public int Int(string path)
    {
        var element = Get(path);
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var n)) return n;
        if (element.ValueKind == JsonValueKind.String &&
            int.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n;
        throw Error($"\"{path}\" is {element.GetRawText()}, expected an integer");
    }

    public StlmException Error(string what) => new($"{Origin}: {what}");
}
