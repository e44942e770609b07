using System.Globalization;

namespace Stlm.Actors.Training.Run;

/// <summary>What a command leads to: an event to journal, a re-run that matched, or a refusal.</summary>
public readonly record struct Decision(object? Event, string? Rejection, bool Rechecked = false)
{
    public static Decision Journal(object e) => new(e, null);
    public static Decision Reject(string why) => new(null, why);
    public static Decision Recheck() => new(null, null, true);
}

/// <summary>
/// The rules a run's commands are checked against, as pure functions of the state (and of
/// where the trainer of this process stands: <paramref name="trainerStep"/> is null when no
/// trainer was attached since the actor started, i.e. after a crash until the run is resumed).
/// </summary>
public static class RunRules
{
    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    static string? Terminal(RunState s) => s.Status switch
    {
        RunStatus.Completed => $"run {s.RunId} completed at step {s.Step}",
        RunStatus.Failed => $"run {s.RunId} failed at step {s.Step} ({s.StatusReason})",
        _ => null,
    };

    public static Decision Create(RunState s, CreateRun c)
    {
        if (s.Exists) return Decision.Reject($"run {c.RunId} already exists (created {Time(s.Created!.CreatedUnixMs)})");
        RunIds.Validate(c.RunId);
        var created = new RunCreated
        {
            RunId = c.RunId, ConfigHocon = c.ConfigHocon, ConfigHash = c.ConfigHash,
            Seed = c.Seed, CodeVersion = c.CodeVersion, CreatedUnixMs = NowMs(),
        };
        if (c.Fork is { } fork)
        {
            var parent = fork.Parent;
            if (!parent.Exists) return Decision.Reject($"cannot fork: run {parent.RunId} does not exist");
            var checkpoint = fork.Step is { } step ? parent.LiveCheckpoints.FirstOrDefault(k => k.Step == step) : parent.LatestCheckpoint();
            if (checkpoint is null)
                return Decision.Reject(ForkPointMissing(parent, fork.Step));
            created.Fork = new ForkOrigin
            {
                ParentRunId = parent.RunId, ForkStep = checkpoint.Step, ParentCheckpointHash = checkpoint.Hash,
            };
            created.Fork.Overrides.AddRange(fork.Overrides);
        }
        return Decision.Journal(created);
    }

    static string ForkPointMissing(RunState parent, long? step)
    {
        var live = parent.LiveCheckpoints.Select(k => k.Step.ToString(CultureInfo.InvariantCulture)).ToList();
        var have = live.Count == 0 ? "it has no committed checkpoint yet" : $"committed checkpoints are at steps {string.Join(", ", live)}";
        return step is { } s
            ? $"cannot fork {parent.RunId}@{s}: no committed checkpoint at step {s}; {have}"
            : $"cannot fork {parent.RunId}: {have}";
    }

    /// <summary>Why no step (trained or skipped) can be recorded now; null while this process trains the run.</summary>
    static string? NotTraining(RunState s, long? trainerStep) =>
        Terminal(s) is { } done ? $"{done}: no steps after that"
        : s.Status == RunStatus.Paused ? $"run {s.RunId} is paused at step {s.Step}: resume it before training"
        : trainerStep is null ? $"run {s.RunId} was not resumed in this process: resume it from a checkpoint before recording steps"
        : null;

    public static Decision Step(RunState s, long? trainerStep, StepCompleted e)
    {
        if (NotTraining(s, trainerStep) is { } why) return Decision.Reject(why);
        var at = trainerStep!.Value;
        if (e.Step != at + 1) return Decision.Reject($"run {s.RunId}: step {e.Step} arrived but the next step is {at + 1}");
        if (s.LossAt(e.Step) is { } journaled)
            return BitConverter.DoubleToInt64Bits(journaled) == BitConverter.DoubleToInt64Bits(e.Loss)
                ? Decision.Recheck()
                : Decision.Reject($"step {e.Step} re-ran with loss {F(e.Loss)} but the journal has {F(journaled)}: the run is not deterministic here");
        if (!double.IsFinite(e.Loss)) return Decision.Reject($"run {s.RunId}: step {e.Step} has a non-finite loss {F(e.Loss)}");
        return Decision.Journal(e);
    }

    public static Decision Skip(RunState s, long? trainerStep, StepSkipped e)
    {
        if (NotTraining(s, trainerStep) is { } why) return Decision.Reject(why);
        var at = trainerStep!.Value;
        if (e.Step != at + 1) return Decision.Reject($"run {s.RunId}: a skip of step {e.Step} arrived but the next step is {at + 1}");
        if (s.Skips.Any(k => k.Step == e.Step && Equals(k.From, e.From))) return Decision.Recheck();
        if (s.LossAt(e.Step) is { } journaled)
            return Decision.Reject($"step {e.Step} re-ran with a non-finite loss {F(e.Loss)} but the journal has {F(journaled)}: the run is not deterministic here");
        return Decision.Journal(e);
    }

    public static Decision RollBack(RunState s, long? trainerStep, RollBack r)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done}: nothing to roll back");
        if (trainerStep is not { } at)
            return Decision.Reject($"run {s.RunId} was not resumed in this process: resume it before rolling back");
        if (r.FailedStep != at + 1) return Decision.Reject($"run {s.RunId}: a rollback from step {r.FailedStep} arrived but the next step is {at + 1}");
        var (startHash, startStep) = (s.Fork?.ParentCheckpointHash ?? "", s.FirstStep - 1);
        var known = s.CheckpointByHash(r.CheckpointHash) is { } k ? k.Step : r.CheckpointHash == startHash ? startStep : (long?)null;
        if (known != r.ToStep)
            return Decision.Reject($"run {s.RunId} cannot roll back to step {r.ToStep}: it has no committed checkpoint {r.CheckpointHash} there");
        // Every step of a run trains on the same number of tokens (fixed batch, accumulation and context).
        var perStep = s.LastStep?.Tokens ?? 0;
        return Decision.Journal(new RolledBack
        {
            FailedStep = r.FailedStep, Loss = r.Loss, ToStep = r.ToStep, CheckpointHash = r.CheckpointHash,
            Tokens = s.Tokens - (s.Step - r.ToStep) * perStep, AtUnixMs = NowMs(),
        });
    }

    public static Decision Commit(RunState s, long? trainerStep, CommitCheckpoint c)
    {
        if (Terminal(s) is { } done && c.Step > s.Step) return Decision.Reject($"{done}: no checkpoint after that");
        if (c.Step < s.FirstStep - 1 || c.Step > (trainerStep ?? s.Step))
            return Decision.Reject($"run {s.RunId}: a checkpoint at step {c.Step} cannot be committed, training stands at step {trainerStep ?? s.Step}");
        if (string.IsNullOrEmpty(c.ContentHash)) return Decision.Reject($"run {s.RunId}: a checkpoint needs its content hash");
        var same = s.Checkpoints.FirstOrDefault(k => k.Step == c.Step && !k.Deleted);
        if (same is not null)
            return same.Hash == c.ContentHash
                ? Decision.Recheck()
                : Decision.Reject($"run {s.RunId}: the checkpoint of step {c.Step} re-ran with hash {c.ContentHash} but the journal has {same.Hash}: the run is not deterministic here");
        return Decision.Journal(new CheckpointCommitted { Step = c.Step, ContentHash = c.ContentHash, Path = c.Path, Bytes = c.Bytes, EvalsOwed = [.. c.EvalsOwed ?? []] });
    }

    public static Decision Delete(RunState s, DeleteCheckpoint d) => s.CheckpointByHash(d.ContentHash) is null
        ? Decision.Reject($"run {s.RunId} has no committed checkpoint {d.ContentHash}")
        : Decision.Journal(new CheckpointDeleted { ContentHash = d.ContentHash, Reason = d.Reason });

    public static Decision Eval(RunState s, RecordEval r)
    {
        if (r.Step < s.FirstStep - 1 || r.Step > s.Step)
            return Decision.Reject($"run {s.RunId}: an evaluation at step {r.Step} is outside its steps {s.FirstStep - 1}..{s.Step}");
        var e = new EvalCompleted { Step = r.Step, Task = r.Task };
        e.Metrics.AddRange(r.Metrics.Select(m => new Metric { Name = m.Key, Value = m.Value }));
        // A step re-run after a resume has the journaled weights bit for bit, and so the same
        // results: like the step itself it is rechecked, not journaled twice. Other results at a
        // step (e.g. after a rollback retrained it) are new facts.
        if (s.Evals.Any(old => old.Step == e.Step && old.Task == e.Task && SameMetrics(old, e))) return Decision.Recheck();
        return Decision.Journal(e);
    }

    static bool SameMetrics(EvalCompleted a, EvalCompleted b) =>
        a.Metrics.Count == b.Metrics.Count && a.Metrics.Zip(b.Metrics).All(p =>
            p.Item1.Name == p.Item2.Name && BitConverter.DoubleToInt64Bits(p.Item1.Value) == BitConverter.DoubleToInt64Bits(p.Item2.Value));

    public static Decision Override(RunState s, OverrideSchedule o)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done}: its schedules can no longer change");
        var from = o.FromStep ?? s.Step + 1;
        if (from <= s.Step)
            return Decision.Reject($"run {s.RunId} already journaled step {s.Step}: an override can start at step {s.Step + 1} at the earliest");
        return Decision.Journal(new ScheduleOverridden { What = o.What, FromStep = from, Value = o.Value, DecidedBy = o.DecidedBy });
    }

    public static Decision Pause(RunState s, PauseRun p)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done}: there is nothing to pause");
        if (s.Status == RunStatus.Paused) return Decision.Reject($"run {s.RunId} is already paused at step {s.Step}");
        return Decision.Journal(new Paused { Step = s.Step, Reason = p.Reason, AtUnixMs = NowMs() });
    }

    /// <summary>Resuming is allowed when paused, or when running but with no trainer in this process (after a crash).</summary>
    public static Decision Resume(RunState s, long? trainerStep, ResumeRun r)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done}: it cannot be resumed (fork it instead)");
        if (s.Status == RunStatus.Running && trainerStep is not null)
            return Decision.Reject($"run {s.RunId} is already training in this process (at step {trainerStep})");
        var (hash, step) = ResumePoint(s, r.CheckpointHash);
        if (step is null) return Decision.Reject($"run {s.RunId} has no committed checkpoint {r.CheckpointHash}");
        return Decision.Journal(new Resumed { CheckpointHash = hash, Step = step.Value, Node = r.Node, ProcessId = r.ProcessId, AtUnixMs = NowMs() });
    }

    /// <summary>The checkpoint a resume starts from: the one named, else the newest, else the run's start (a fork's start is its parent's checkpoint).</summary>
    public static (string Hash, long? Step) ResumePoint(RunState s, string? hash)
    {
        var start = (s.Fork?.ParentCheckpointHash ?? "", (long?)(s.FirstStep - 1));
        if (hash is null) return s.LatestCheckpoint() is { } newest ? (newest.Hash, newest.Step) : start;
        if (s.CheckpointByHash(hash) is { } named) return (named.Hash, named.Step);
        return hash == start.Item1 ? start : (hash, null);
    }

    public static Decision Fail(RunState s, FailRun f) => Terminal(s) is { } done
        ? Decision.Reject($"{done} already")
        : Decision.Journal(new Failed { Step = s.Step, Reason = f.Reason, AtUnixMs = NowMs() });

    public static Decision Interrupt(RunState s, InterruptRun i)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done}: there is nothing to interrupt");
        if (s.Status != RunStatus.Running) return Decision.Reject($"run {s.RunId} is not training ({RunStatusText(s)})");
        return Decision.Journal(new Interrupted { Step = s.Step, Reason = i.Reason, AtUnixMs = NowMs() });
    }

    static string RunStatusText(RunState s) => s.Status.ToString().ToLowerInvariant();

    public static Decision Complete(RunState s, long? trainerStep)
    {
        if (Terminal(s) is { } done) return Decision.Reject($"{done} already");
        if (trainerStep is { } at && at != s.Step)
            return Decision.Reject($"run {s.RunId} cannot complete at step {at}: the journal already has steps up to {s.Step}");
        return Decision.Journal(new Completed { Step = s.Step, AtUnixMs = NowMs() });
    }

    static string Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
