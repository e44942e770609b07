using Stlm.Tests.Support;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// The run the guarantee tests train in child processes: the <see cref="TinyLlama"/> on a 0.1 MB
/// generated corpus, a checkpoint every 2 steps (all kept), no
/// evaluations between checkpoints and no sample: a few hundred steps a second on one core.
/// </summary>
static class TinyRun
{
    public static string[] Sets(int maxSteps, params string[] more) =>
    [
        .. TinyLlama.Sets.Concat(
        [
            "data.synthetic-megabytes=0.1", "training.grad-accum=1", $"training.max-steps={maxSteps}", "schedules.learning-rate.warmup-steps=2",
            "eval.every-steps=0", "eval.batches=1", "eval.sample-prompt=\"\"", "checkpoint.every-steps=2", "checkpoint.keep-last=0",
            "torch.threads=1",
        ]).Concat(more).SelectMany(s => new[] { "--set", s }),
    ];

    public static string[] Train(string runId, int maxSteps, params string[] more) => ["train", "--run-id", runId, .. Sets(maxSteps, more)];

    public static string[] Resume(string runId) => ["resume", runId];

    /// <summary>The lines of stderr that are not logs or progress: what the user is told.</summary>
    public static List<string> Said(string stderr) =>
        [.. stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("stlm", StringComparison.Ordinal) && !l.StartsWith("stlm-fault", StringComparison.Ordinal))];
}
