using System.Text.RegularExpressions;

namespace Stlm.Model.Eval;

/// <summary>
/// HellaSwag, either in Rowan Zellers' original jsonl (activity_label, ctx_a, ctx_b, endings,
/// label) with lm-evaluation-harness's preprocessing — query = activity_label + ": " + ctx_a +
/// " " + ctx_b.capitalize(), then " [title]" → ". ", "[…]" removed, double spaces halved — or in
/// the harness's own processed form (query, choices, gold). Continuations are " {ending}".
/// </summary>
public static partial class HellaSwagReader
{
    public static IEnumerable<MultipleChoiceItem> Read(string path)
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
