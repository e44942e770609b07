using System.Text.Json;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

/// <summary>GPT-2's vocabulary files and the reference encodings made from them (Fixtures/Gpt2).</summary>
public static class Gpt2Fixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Gpt2");
    public static string Reference(string file) => Path.Combine(Directory, "reference", file);

    static readonly Lazy<BpeTokenizer> Shared = new(() => (BpeTokenizer)TokenizerSpec.Load("gpt2:" + Directory));

    /// <summary>One loaded GPT-2 tokenizer for all tests (loading parses a 1 MB JSON file).</summary>
    public static BpeTokenizer Tokenizer => Shared.Value;

    public sealed record IdCase(string Text, int[] Ids, int[] IdsWithSpecial);
    public sealed record PieceCase(string Text, string[] Pieces);

    public static IReadOnlyList<IdCase> IdCases() =>
        Cases("gpt2-ids.json", c => new IdCase(Text(c), Ints(c, "ids"), Ints(c, "idsWithSpecial")));

    public static IReadOnlyList<PieceCase> PieceCases() =>
        Cases("gpt2-pieces.json", c => new PieceCase(Text(c), c.GetProperty("pieces").EnumerateArray().Select(UnescapeRaw).ToArray()));

    static List<T> Cases<T>(string file, Func<JsonElement, T> read)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Reference(file)));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(read).ToList();
    }

    static string Text(JsonElement c) => UnescapeRaw(c.GetProperty("text"));
    static int[] Ints(JsonElement c, string name) => c.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>
    /// A JSON string's value, lone surrogates included (the fixtures test them on purpose, and
    /// System.Text.Json refuses to produce such strings).
    /// </summary>
    static string UnescapeRaw(JsonElement element)
    {
        var raw = element.GetRawText();
        var text = new System.Text.StringBuilder(raw.Length);
        for (var i = 1; i < raw.Length - 1; i++)
        {
            if (raw[i] != '\\') { text.Append(raw[i]); continue; }
            var escape = raw[++i];
            text.Append(escape switch
            {
                'n' => '\n', 'r' => '\r', 't' => '\t', 'b' => '\b', 'f' => '\f',
                'u' => (char)Convert.ToUInt16(raw.Substring(i + 1, 4), 16),
                _ => escape,
            });
            if (escape == 'u') i += 4;
        }
        return text.ToString();
    }
}
