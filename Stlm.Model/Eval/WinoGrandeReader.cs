namespace Stlm.Model.Eval;

/// <summary>
/// WinoGrande jsonl (sentence with one "_", option1, option2, answer "1"/"2") scored by
/// partial evaluation as lm-evaluation-harness does: each option fills the blank and, with the
/// text before it, forms a context; the text after the blank (trimmed, after a space) is the
/// continuation whose log-probability is compared. The continuation is the same for both
/// options, so acc_norm here normalises by it and always equals acc (the harness reports acc only).
/// </summary>
public static class WinoGrandeReader
{
    public static IEnumerable<MultipleChoiceItem> Read(string path)
    {
        foreach (var line in JsonLine.Read(path))
        {
            var sentence = line.String("sentence");
            var blank = sentence.IndexOf('_');
            if (blank < 0) throw line.Error("\"sentence\" has no \"_\" blank to fill");
            var target = sentence[(blank + 1)..].Trim();
            var options = new[] { line.String("option1"), line.String("option2") }
                .Select(option => new MultipleChoiceOption(sentence[..blank] + option, " " + target, target))
                .ToArray();
            var answer = line.String("answer");
            var gold = answer switch
            {
                "1" => 0,
                "2" => 1,
                _ => throw line.Error($"\"answer\" is \"{answer}\", expected \"1\" or \"2\""),
            };
            yield return new MultipleChoiceItem(line.Origin, options, gold);
        }
    }
}
