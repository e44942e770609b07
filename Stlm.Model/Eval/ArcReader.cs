namespace Stlm.Model.Eval;

/// <summary>
/// ARC-Easy / ARC-Challenge in AI2's jsonl (question.stem, question.choices[{label, text}],
/// answerKey; labels A–E or 1–4). Prompt as lm-evaluation-harness: "Question: {stem}\nAnswer:",
/// continuations " {choice text}", gold = the position of answerKey among the labels.
/// </summary>
public static class ArcReader
{
    public static IEnumerable<MultipleChoiceItem> Read(string path)
    {
        foreach (var line in JsonLine.Read(path))
        {
            var stem = line.String("question.stem");
            var choices = line.Array("question.choices");
            var labels = choices.Select((c, i) => line.StringOf(Field(line, c, "label", i), $"question.choices[{i}].label")).ToList();
            var texts = choices.Select((c, i) => line.StringOf(Field(line, c, "text", i), $"question.choices[{i}].text")).ToList();
            var answer = line.String("answerKey");
            var gold = labels.IndexOf(answer);
            if (gold < 0)
                throw line.Error($"answerKey \"{answer}\" is not one of the labels {string.Join(",", labels)}");
            yield return MultipleChoiceItem.SharedContext(line.Origin, $"Question: {stem}\nAnswer:", texts, gold);
        }
    }

    static System.Text.Json.JsonElement Field(JsonLine line, System.Text.Json.JsonElement choice, string name, int index) =>
        choice.ValueKind == System.Text.Json.JsonValueKind.Object && choice.TryGetProperty(name, out var value)
            ? value
            : throw line.Error($"missing field \"question.choices[{index}].{name}\"");
}
