using System.Text.Json;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Tokenizers;

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

    public static IReadOnlyList<IdCase> IdCases() => ReadCases<IdCase>("gpt2-ids.json");
    public static IReadOnlyList<PieceCase> PieceCases() => ReadCases<PieceCase>("gpt2-pieces.json");

    static List<T> ReadCases<T>(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Reference(file)));
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return doc.RootElement.GetProperty("cases").Deserialize<List<T>>(options)!;
    }
}
