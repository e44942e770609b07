namespace Stlm.Model.Eval;

/// <summary>The benchmark readers by task name, for the command line and the evaluation actors.</summary>
public static class MultipleChoiceTasks
{
    public static readonly IReadOnlyList<string> Names = ["arc_easy", "arc_challenge", "hellaswag", "winogrande", "mmlu", "piqa"];

    public static IReadOnlyList<MultipleChoiceItem> Read(string task, string path) => task.ToLowerInvariant() switch
    {
        "arc_easy" or "arc_challenge" or "arc" => ArcReader.Read(path).ToList(),
        "hellaswag" => HellaSwagReader.Read(path).ToList(),
        "winogrande" => WinoGrandeReader.Read(path).ToList(),
        "mmlu" => MmluReader.Read(path).ToList(),
        "piqa" => PiqaReader.Read(path).ToList(),
        _ => throw new StlmException($"unknown task '{task}': use one of {string.Join(", ", Names)}"),
    };
}
