using System.Text.RegularExpressions;

namespace Stlm.Model.Eval;

/// <summary>
/// HellaSwag, either in Rowan Zellers' original jsonl (activity_label, ctx_a, ctx_b, endings,
/// label) with lm-evaluation-harness's preprocessing — query = activity_label + ": " + ctx_a +
/// " " + ctx_b.capitalize(), then " [title]" → ". ", "[…]" removed, double spaces halved — or in
/// the harness's own processed form (query, choices, gold), or in llama.cpp's text form
/// (`perplexity --hellaswag`'s hellaswag_val_full.txt: 6 lines per question — the preprocessed
/// context, the gold index, then the four endings). The format is told from the content: a
/// first non-blank character `{` is jsonl. Continuations are " {ending}".
/// </summary>
public static partial class HellaSwagReader
{
    /// <summary>Lines per question in llama.cpp's text form: context, gold index, four endings.</summary>
    public const int TextLinesPerItem = 6;

    public static IEnumerable<MultipleChoiceItem> Read(string path)
    {
        if (!File.Exists(path)) throw new StlmException($"{path} not found: check the --data path");
        return IsJsonLines(path) ? ReadJsonLines(path) : ReadText(path);
    }

    static bool IsJsonLines(string path)
    {
        using var reader = new StreamReader(path);
        int c;
        while ((c = reader.Read()) >= 0 && char.IsWhiteSpace((char)c)) { }
        return c == '{';
    }

    /// <summary>llama.cpp's form; a line that breaks the 6-line pattern is named with file:line and what was expected.</summary>
    static IEnumerable<MultipleChoiceItem> ReadText(string path)
    {
        var lines = File.ReadAllLines(path);
        var count = lines.Length;
        while (count > 0 && lines[count - 1].Trim().Length == 0) count--;
        for (var start = 0; start < count; start += TextLinesPerItem)
        {
            var origin = $"{path}:{start + 1}";
            if (start + TextLinesPerItem > count)
                throw new StlmException($"{origin}: the file ends inside a question ({count - start} of {TextLinesPerItem} lines); " +
                                        "not HellaSwag jsonl nor llama.cpp's text form (per question: context, gold index 0-3, four endings)");
            var goldText = lines[start + 1].Trim();
            if (!int.TryParse(goldText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var gold)
                || gold >= TextLinesPerItem - 2)
                throw new StlmException($"{path}:{start + 2}: expected the gold ending's index (0-3) but found \"{Shorten(goldText)}\"; " +
                                        "not HellaSwag jsonl nor llama.cpp's text form (per question: context, gold index 0-3, four endings)");
            var endings = lines[(start + 2)..(start + TextLinesPerItem)].Select(e => e.TrimEnd('\r')).ToArray();
            yield return MultipleChoiceItem.SharedContext(origin, lines[start].TrimEnd('\r'), endings, gold);
        }
    }

    static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    static IEnumerable<MultipleChoiceItem> ReadJsonLines(string path)
    {
        foreach (var line in JsonLine.Read(path))
        {
            if (line.Has("ctx_a"))
            {
                var context = line.String("ctx_a") + " " + PythonCapitalize(line.String("ctx_b"));
                var query = Preprocess(line.String("activity_label") + ": " + context);
                var endings = line.Strings("endings").Select(Preprocess).ToArray();
                yield return MultipleChoiceItem.SharedContext(line.Origin, query, endings, Gold(line, "label", endings.Length));
            }
            else if (line.Has("query"))
            {
                var choices = line.Strings("choices");
                yield return MultipleChoiceItem.SharedContext(line.Origin, line.String("query"), choices, Gold(line, "gold", choices.Count));
            }
            else
            {
                throw line.Error("neither \"ctx_a\" (original HellaSwag) nor \"query\" (harness format): not a HellaSwag line");
            }
        }
    }

    /// <summary>The harness's text cleanup (WikiHow lines carry "[title]"/"[step]" markers).</summary>
    public static string Preprocess(string text)
    {
        text = text.Trim();
        text = text.Replace(" [title]", ". ");
        text = Brackets().Replace(text, "");
        return text.Replace("  ", " ");
    }

    /// <summary>Python's str.capitalize(): first character upper case, the rest lower case.</summary>
    public static string PythonCapitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    internal static int Gold(JsonLine line, string field, int options)
    {
        var gold = line.Int(field);
        return gold >= 0 && gold < options
            ? gold
            : throw line.Error($"\"{field}\" is {gold}, but there are {options} options (expected 0..{options - 1})");
    }

    [GeneratedRegex(@"\[.*?\]")]
    private static partial Regex Brackets();
}
