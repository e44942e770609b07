using Stlm.Actors.Training.Run;
using Stlm.Model;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// Where a re-execution starts: a committed checkpoint (the state after its step), or — for a
/// run that is not a fork and has no checkpoint early enough — the run's start, step 0, a model
/// and optimizer built fresh from the config.
/// </summary>
public sealed record ReplayStart(long Step, Checkpoint? Checkpoint)
{
    public string Describe() => Checkpoint is { } c
        ? $"checkpoint {Path.GetFileName(c.Path)} ({Short(c.Hash)})"
        : "the run's start (weights built from the config)";

    internal static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}

/// <summary>
/// What `stlm replay RUN --from S --to T --verify` re-executes: the steps S..T of the journal,
/// from the newest committed checkpoint before S (state after step S-1 at the latest), and the
/// checkpoint whose content the final state is compared with: the one committed at T, else the
/// newest committed within the stretch (null when none is).
/// </summary>
public sealed record ReplayPlan(string RunId, long FromStep, long ToStep, ReplayStart Start, Checkpoint? Compare)
{
    /// <summary>Steps re-executed: from the start's next step to T (those before S are checked too).</summary>
    public long StepsToRun => ToStep - Start.Step;

    /// <summary>
    /// The plan for <paramref name="run"/>; <paramref name="parent"/> is its parent's state when
    /// it is a fork (its start is the parent's checkpoint). Bad bounds are one StlmException line.
    /// </summary>
    public static ReplayPlan For(RunState run, RunState? parent, long? from, long? to)
    {
        if (!run.Exists) throw new ArgumentException("the run has no events", nameof(run));
        if (run.Step < run.FirstStep)
            throw new StlmException($"run {run.RunId} has no journaled step yet: there is nothing to verify");
        var range = $"its journaled steps are {run.FirstStep}..{run.Step}";
        var first = from ?? run.FirstStep;
        var last = to ?? run.Step;
        if (first < run.FirstStep || first > run.Step)
            throw new StlmException($"replay {run.RunId} --from {first}: {range}; pick a step in that range");
        if (last < first || last > run.Step)
            throw new StlmException($"replay {run.RunId} --to {last}: {range} and --to must not come before --from ({first})");

        var start = StartFor(run, parent, first);
        var compare = run.LiveCheckpoints.FirstOrDefault(c => c.Step == last)
            ?? run.LiveCheckpoints.Where(c => c.Step > start.Step && c.Step <= last).MaxBy(c => c.Step);
        return new ReplayPlan(run.RunId, first, last, start, compare);
    }

    static ReplayStart StartFor(RunState run, RunState? parent, long first)
    {
        if (run.LiveCheckpoints.Where(c => c.Step < first).MaxBy(c => c.Step) is { } own)
            return new ReplayStart(own.Step, own);
        if (run.Fork is not { } fork) return new ReplayStart(0, null);
        var origin = parent?.Checkpoints.FirstOrDefault(c => c.Hash == fork.ParentCheckpointHash);
        if (origin is null || origin.Deleted)
            throw new StlmException(
                $"run {run.RunId} is a fork of {fork.ParentRunId}@{fork.ForkStep} and that checkpoint ({ReplayStart.Short(fork.ParentCheckpointHash)}) is {(origin is null ? "not in the journal" : "deleted")}: verify from a later step with --from N (a checkpoint of its own lies before N)");
        return new ReplayStart(origin.Step, origin);
    }
}
