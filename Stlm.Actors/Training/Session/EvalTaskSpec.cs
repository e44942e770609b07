using System.Globalization;
using Stlm.Actors.Configuration;
using Stlm.Model.Eval;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// One multiple-choice task the evaluators score at every checkpoint (an entry of eval.tasks):
/// its name (a <see cref="MultipleChoiceTasks"/> reader, also the EvalCompleted task), its data
/// file (absolute, relative ones resolved against eval.benchmark-dir) and how many of its
/// questions to score (null: all).
/// </summary>
public sealed record EvalTaskSpec(string Name, string DataFile, int? Limit)
{
    static readonly string[] Fields = ["name", "data", "limit"];

    /// <summary>Reads and checks eval.tasks; each problem is one line naming the config position (file:line:col).</summary>
    public static IReadOnlyList<EvalTaskSpec> ListFrom(Config config)
    {
        var specs = new List<EvalTaskSpec>();
        // Runs journaled before eval.tasks existed resume and fork with their own config: no tasks.
        if (!config.HasPath("eval.tasks")) return specs;
        var benchmarks = config.GetString("eval.benchmark-dir");
        foreach (var (entry, index) in config.GetList("eval.tasks").Select((e, i) => (e, i)))
        {
            var at = $"eval.tasks[{index}]";
            if (entry is not ConfigObject o)
                throw new ConfigException(entry.Origin, $"{at} is {entry.Describe()}", "write each task as { name = hellaswag, data = \"hellaswag_val.jsonl\", limit = 200 }");
            foreach (var key in o.Fields.Keys.Where(k => !Fields.Contains(k)))
                throw new ConfigException(o.KeyOrigin(key), $"unknown key `{key}` in {at}", "a task has name, data and limit");
            var name = Text(o, "name", at, "one of " + string.Join(", ", MultipleChoiceTasks.Names));
            if (!MultipleChoiceTasks.Names.Contains(name))
                throw new ConfigException(o.Fields["name"].Origin, $"{at}.name = \"{name}\" is not a task", "use one of " + string.Join(", ", MultipleChoiceTasks.Names));
            if (specs.Any(s => s.Name == name))
                throw new ConfigException(o.Fields["name"].Origin, $"{at}.name = \"{name}\" is listed twice", "keep one entry per task");
            var data = Text(o, "data", at, "the task's questions (jsonl, or an MMLU csv)");
            var file = Path.GetFullPath(Path.Combine(benchmarks, data));
            if (!File.Exists(file))
                throw new ConfigException(o.Fields["data"].Origin, $"{at}.data = \"{data}\": no such file {file}",
                    "give an existing file (relative paths are under eval.benchmark-dir)");
            specs.Add(new EvalTaskSpec(name, file, ReadLimit(o, at)));
        }
        return specs;
    }

    /// <summary>The task's questions, in file order, cut to the limit; a file with none is an error.</summary>
    public IReadOnlyList<MultipleChoiceItem> ReadItems()
    {
        IReadOnlyList<MultipleChoiceItem> items;
        try
        {
            items = MultipleChoiceTasks.Read(Name, DataFile);
        }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            throw new Model.StlmException($"eval.tasks {Name}: {DataFile} cannot be read as {Name} questions ({e.Message.ReplaceLineEndings(" ")})", e);
        }
        if (Limit is { } n) items = [.. items.Take(n)];
        if (items.Count == 0) throw new Model.StlmException($"eval.tasks {Name}: {DataFile} holds no {Name} questions; point data at the task's file");
        return items;
    }

    static string Text(ConfigObject o, string key, string at, string what)
    {
        if (!o.Fields.TryGetValue(key, out var value))
            throw new ConfigException(o.Origin, $"{at} has no {key}", $"add {key} = ... ({what})");
        return value is ConfigString { Value.Length: > 0 } s ? s.Value
            : throw new ConfigException(value.Origin, $"{at}.{key} is {value.Describe()}", $"give {what}");
    }

    static int? ReadLimit(ConfigObject o, string at)
    {
        if (!o.Fields.TryGetValue("limit", out var value)) return null;
        if (value is ConfigNumber { IsInteger: true } n && int.TryParse(n.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit) && limit >= 0)
            return limit == 0 ? null : limit;
        throw new ConfigException(value.Origin, $"{at}.limit is {value.Describe()}", "give the number of questions to score (0 = all)");
    }
}
