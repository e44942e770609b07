using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// An evaluation metric named "task.metric" (checkpoint.keep-best-metric): "heldout.bpb" or
/// "heldout.nats_per_token" (lower is better), or "TASK.acc" / "TASK.acc_norm" of a task in
/// eval.tasks (higher is better).
/// </summary>
public sealed record EvalMetricName(string Task, string Metric)
{
    public static readonly IReadOnlyList<string> HeldOutMetrics = ["bpb", "nats_per_token"];
    public static readonly IReadOnlyList<string> ChoiceMetrics = ["acc", "acc_norm"];

    public bool HigherIsBetter => ChoiceMetrics.Contains(Metric);

    /// <summary>Reads <paramref name="path"/> and checks that the evaluators produce it with <paramref name="tasks"/>.</summary>
    public static EvalMetricName From(Config config, string path, IReadOnlyList<EvalTaskSpec> tasks)
    {
        // Runs journaled before the metric could be chosen kept the best by held-out bits per byte.
        if (!config.HasPath(path)) return new EvalMetricName(EvaluatorActor.HeldOutTask, "bpb");
        var text = config.GetString(path);
        var value = config.GetValue(path);
        var known = HeldOutMetrics.Select(m => $"{EvaluatorActor.HeldOutTask}.{m}")
            .Concat(tasks.SelectMany(t => ChoiceMetrics.Select(m => $"{t.Name}.{m}"))).ToList();
        var dot = text.LastIndexOf('.');
        var name = dot > 0 ? new EvalMetricName(text[..dot], text[(dot + 1)..]) : null;
        if (name is null || !known.Contains(text))
            throw new ConfigException(value.Origin, $"{path} = \"{text}\" is not a metric the evaluators report",
                $"use one of {string.Join(", ", known)} (a task's metrics need the task in eval.tasks)");
        return name;
    }

    /// <summary>The newest journaled value of this metric at <paramref name="step"/>, or null when it was not evaluated there.</summary>
    public double? At(RunState state, long step) =>
        state.Evals.LastOrDefault(e => e.Step == step && e.Task == Task && e.Metrics.Any(m => m.Name == Metric))
            ?.Metrics.First(m => m.Name == Metric).Value;

    public override string ToString() => $"{Task}.{Metric}";
}
