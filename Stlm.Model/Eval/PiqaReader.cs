namespace Stlm.Model.Eval;

/// <summary>
/// PIQA: jsonl with goal, sol1, sol2 and the answer either in a "label" field (0/1) or, as the
/// original release ships it, in a separate labels file with one 0/1 per line ("valid.jsonl"
/// beside "valid-labels.lst"). Prompt as lm-evaluation-harness: "Question: {goal}\nAnswer:",
/// continuations " {sol1}" and " {sol2}".
/// </summary>
public static class PiqaReader
{
    public static IEnumerable<MultipleChoiceItem> Read(string path, string? labelsPath = null)
    {
        labelsPath ??= DefaultLabelsPath(path);
        using var labels = labelsPath is not null && File.Exists(labelsPath) ? File.ReadLines(labelsPath).GetEnumerator() : null;
        var labelLine = 0;
        foreach (var line in JsonLine.Read(path))
        {
            int gold;
            if (line.Has("label")) gold = HellaSwagReader.Gold(line, "label", 2);
            else if (labels is not null)
            {
                labelLine++;
                if (!labels.MoveNext())
                    throw new StlmException($"{labelsPath}:{labelLine}: the labels file ends before {line.Origin}: give one label per question");
                gold = labels.Current.Trim() switch
                {
                    "0" => 0,
                    "1" => 1,
                    var other => throw new StlmException($"{labelsPath}:{labelLine}: label \"{other}\", expected 0 or 1"),
                };
            }
            else throw line.Error("no \"label\" field and no labels file (expected a \"label\" field or a file like valid-labels.lst)");
            var choices = new[] { line.String("sol1"), line.String("sol2") };
            yield return MultipleChoiceItem.SharedContext(line.Origin, $"Question: {line.String("goal")}\nAnswer:", choices, gold);
        }
    }

    /// <summary>"dir/valid.jsonl" → "dir/valid-labels.lst", PIQA's naming.</summary>
    static string? DefaultLabelsPath(string path)
    {
        var directory = Path.GetDirectoryName(path) ?? ".";
        return Path.Combine(directory, Path.GetFileNameWithoutExtension(path) + "-labels.lst");
    }
}
