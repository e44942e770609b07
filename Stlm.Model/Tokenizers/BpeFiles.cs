using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// Reads and writes byte-level BPE files in GPT-2's format: a JSON object from spelled token to
/// id (encoder.json or vocab.json) and the merges, one "left right" pair per line in rank order
/// after an optional "#version" line (vocab.bpe or merges.txt). Spellings use
/// <see cref="ByteLevelAlphabet"/>; "&lt;|…|&gt;" spellings are special tokens.
/// </summary>
public static class BpeFiles
{
    public const string VocabJson = "vocab.json", MergesTxt = "merges.txt";
    public const string EncoderJson = "encoder.json", VocabBpe = "vocab.bpe";

    /// <summary>The (vocab, merges) pair in a folder: vocab.json + merges.txt, else encoder.json + vocab.bpe.</summary>
    public static (string Vocab, string Merges)? FindIn(string directory)
    {
        foreach (var (vocab, merges) in new[] { (VocabJson, MergesTxt), (EncoderJson, VocabBpe) })
        {
            var v = Path.Combine(directory, vocab);
            var m = Path.Combine(directory, merges);
            if (File.Exists(v) && File.Exists(m))
                return (v, m);
        }
        return null;
    }

    public static BpeVocabulary Load(string vocabPath, string mergesPath)
    {
        var idOfSpelling = ReadVocab(vocabPath);
        var size = idOfSpelling.Count == 0 ? 0 : idOfSpelling.Values.Max() + 1;
        var tokenBytes = new byte[size][];
        var specials = new Dictionary<string, int>();
        foreach (var (spelling, id) in idOfSpelling)
        {
            if (IsSpecial(spelling))
            {
                specials[spelling] = id;
                tokenBytes[id] = Encoding.UTF8.GetBytes(spelling);
                continue;
            }
            tokenBytes[id] = ByteLevelAlphabet.Unspell(spelling)
                ?? throw new StlmException($"{vocabPath}: token \"{spelling}\" has characters outside GPT-2's byte-level alphabet; this is not a byte-level BPE vocabulary");
        }
        var hole = Array.IndexOf(tokenBytes, null);
        if (hole >= 0)
            throw new StlmException($"{vocabPath}: no token has id {hole} although ids go up to {size - 1}; ids must be 0..N-1");
        return new BpeVocabulary(tokenBytes, ReadMerges(mergesPath, idOfSpelling), specials);
    }

    public static void Save(BpeVocabulary vocabulary, string directory)
    {
        Directory.CreateDirectory(directory);
        using (var stream = File.Create(Path.Combine(directory, VocabJson)))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            for (var id = 0; id < vocabulary.Count; id++)
                json.WriteNumber(SpellingOf(vocabulary, id), id);
            json.WriteEndObject();
        }
        var lines = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in vocabulary.Merges)
            lines.Append(SpellingOf(vocabulary, left)).Append(' ').Append(SpellingOf(vocabulary, right)).Append('\n');
        File.WriteAllText(Path.Combine(directory, MergesTxt), lines.ToString(), new UTF8Encoding(false));
    }

    static string SpellingOf(BpeVocabulary vocabulary, int id) =>
        vocabulary.Specials.FirstOrDefault(s => s.Value == id).Key ?? ByteLevelAlphabet.Spell(vocabulary.TokenBytes[id]);

    static bool IsSpecial(string spelling) => spelling.Length > 4 && spelling.StartsWith("<|", StringComparison.Ordinal) && spelling.EndsWith("|>", StringComparison.Ordinal);

    static Dictionary<string, int> ReadVocab(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new StlmException($"{path}: expected a JSON object from token to id");
            var map = new Dictionary<string, int>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
                    throw new StlmException($"{path}: token \"{entry.Name}\" has id {entry.Value.GetRawText()}; ids must be non-negative integers");
                map[entry.Name] = id;
            }
            return map;
        }
        catch (JsonException e)
        {
            throw new StlmException($"{path}:{e.LineNumber + 1}: not valid JSON ({e.Message.Split('.')[0]}); expected GPT-2's encoder.json / vocab.json format", e);
        }
    }

    static List<(int, int)> ReadMerges(string path, Dictionary<string, int> idOfSpelling)
    {
        var merges = new List<(int, int)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            var parts = line.Split(' ');
            if (parts.Length != 2)
                throw new StlmException($"{path}:{lineNumber}: expected two tokens separated by one space, got \"{line}\"");
            if (!idOfSpelling.TryGetValue(parts[0], out var left) || !idOfSpelling.TryGetValue(parts[1], out var right))
                throw new StlmException($"{path}:{lineNumber}: merge \"{line}\" names a token missing from the vocabulary file beside it");
            merges.Add((left, right));
        }
        return merges;
    }
}
