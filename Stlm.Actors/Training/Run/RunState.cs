using System.Collections.Immutable;

namespace Stlm.Actors.Training.Run;

/// <summary>A committed checkpoint as the run knows it; a deleted one can no longer be resumed or forked from.</summary>
public sealed record Checkpoint(long Step, string Hash, string Path, long Bytes, bool Deleted = false, string DeletedReason = "")
{
    /// <summary>The evaluations handed to the cluster when it was committed (CheckpointCommitted.EvalsOwed).</summary>
    public ImmutableList<string> EvalsOwed { get; init; } = [];
}

/// <summary>An evaluation a checkpoint is owed: handed to the cluster, not journaled yet.</summary>
public sealed record OwedEvaluation(long Step, string Task, Checkpoint Checkpoint)
{
    public override string ToString() => $"{Task}@{Step}";
}

/// <summary>
/// Everything known about one run, folded from its events by <see cref="Apply"/> — the one
/// definition of what an event means, used by the RunActor's recovery and by every view.
/// Events are protobuf messages and treated as immutable once journaled.
/// </summary>
public sealed record RunState
{
    public static RunState Empty { get; } = new();

    public string RunId { get; init; } = "";
    public RunCreated? Created { get; init; }
    public RunStatus Status { get; init; } = RunStatus.Unspecified;

    /// <summary>The highest journaled step (FirstStep - 1 before any).</summary>
    public long Step { get; init; }

    /// <summary>The first step this run trains: 1, or the fork step + 1.</summary>
    public long FirstStep { get; init; } = 1;

    public long Tokens { get; init; }

    /// <summary>Loss of each journaled step, from FirstStep on.</summary>
    public ImmutableList<double> Losses { get; init; } = [];

    public StepCompleted? LastStep { get; init; }
    public ImmutableList<Checkpoint> Checkpoints { get; init; } = [];
    public ImmutableList<EvalCompleted> Evals { get; init; } = [];
    public ImmutableList<ScheduleOverridden> Overrides { get; init; } = [];
    public Resumed? LastResumed { get; init; }
    public ImmutableList<StepSkipped> Skips { get; init; } = [];
    public ImmutableList<RolledBack> Rollbacks { get; init; } = [];

    /// <summary>Why the run is paused or failed; empty otherwise.</summary>
    public string StatusReason { get; init; } = "";

    /// <summary>Number of events folded in.</summary>
    public long Events { get; init; }

    public bool Exists => Created is not null;
    public bool IsTerminal => Status is RunStatus.Completed or RunStatus.Failed;
    public ForkOrigin? Fork => Created?.Fork;

    /// <summary>The journaled loss of a step, or null when the step is not journaled.</summary>
    public double? LossAt(long step) =>
        step >= FirstStep && step <= Step ? Losses[(int)(step - FirstStep)] : null;

    public IEnumerable<Checkpoint> LiveCheckpoints => Checkpoints.Where(c => !c.Deleted);

    /// <summary>
    /// Evaluations still owed: each live checkpoint's evaluations handed to the cluster with no
    /// EvalCompleted of its step and task yet, oldest first (a deleted checkpoint can no longer be evaluated).
    /// </summary>
    public IReadOnlyList<OwedEvaluation> PendingEvaluations
    {
        get
        {
            // One pass over the evaluations, not one per owed task: a long run journals thousands.
            var done = Evals.Select(e => (e.Step, e.Task)).ToHashSet();
            return [.. LiveCheckpoints.OrderBy(c => c.Step).SelectMany(c => c.EvalsOwed
                .Where(task => !done.Contains((c.Step, task)))
                .Select(task => new OwedEvaluation(c.Step, task, c)))];
        }
    }

    /// <summary>The live checkpoint with this hash, or null.</summary>
    public Checkpoint? CheckpointByHash(string hash) => LiveCheckpoints.FirstOrDefault(c => c.Hash == hash);

    /// <summary>The newest live checkpoint at or before the step (any step when null), or null.</summary>
    public Checkpoint? LatestCheckpoint(long? atOrBefore = null) =>
        LiveCheckpoints.Where(c => atOrBefore is null || c.Step <= atOrBefore).MaxBy(c => c.Step);

    public static RunState Apply(RunState state, object @event) => (@event switch
    {
        RunCreated e => Created_(e),
        StepCompleted e => state.Stepped([e]),
        CheckpointCommitted e => state with
        {
            Checkpoints = state.Checkpoints.Add(new Checkpoint(e.Step, e.ContentHash, e.Path, e.Bytes) { EvalsOwed = [.. e.EvalsOwed] }),
        },
        CheckpointDeleted e => state with
        {
            Checkpoints = state.Checkpoints.ConvertAll(c =>
                c.Hash == e.ContentHash && !c.Deleted ? c with { Deleted = true, DeletedReason = e.Reason } : c),
        },
        EvalCompleted e => state with { Evals = state.Evals.Add(e) },
        ScheduleOverridden e => state with { Overrides = state.Overrides.Add(e) },
        Paused e => state with { Status = RunStatus.Paused, StatusReason = e.Reason },
        Resumed e => state with { Status = RunStatus.Running, StatusReason = "", LastResumed = e },
        Failed e => state with { Status = RunStatus.Failed, StatusReason = e.Reason },
        Interrupted e => state with { StatusReason = e.Reason },
        Completed => state with { Status = RunStatus.Completed, StatusReason = "" },
        StepSkipped e => state with { Skips = state.Skips.Add(e) },
        RolledBack e => state.RolledBackTo(e),
        _ => throw new InvalidOperationException(
            $"run {state.RunId}: unknown event {@event.GetType().FullName} (a newer build wrote it? see Stlm.Actors/Protos/README.md)"),
    }) with { Events = state.Events + 1 };

    /// <summary>
    /// Folds events into a state from the start (or from a snapshot's state): the same as
    /// <see cref="Apply"/> event by event, but each stretch of steps is appended at once, so a
    /// recovery of 100k steps does not rebuild the loss list 100k times.
    /// </summary>
    public static RunState Fold(IEnumerable<object> events, RunState? from = null)
    {
        var state = from ?? Empty;
        List<StepCompleted> steps = [];
        foreach (var e in events)
        {
            if (e is StepCompleted step)
            {
                steps.Add(step);
                continue;
            }
            if (steps.Count > 0) state = state.Stepped(steps) with { Events = state.Events + steps.Count };
            steps.Clear();
            state = Apply(state, e);
        }
        return steps.Count > 0 ? state.Stepped(steps) with { Events = state.Events + steps.Count } : state;
    }

    static RunState Created_(RunCreated e)
    {
        var first = e.Fork is null ? 1 : e.Fork.ForkStep + 1;
        return new RunState { RunId = e.RunId, Created = e, Status = RunStatus.Running, FirstStep = first, Step = first - 1 };
    }

    RunState Stepped(IReadOnlyList<StepCompleted> steps)
    {
        var (step, tokens, losses) = (Step, Tokens, Losses.ToBuilder());
        foreach (var e in steps)
        {
            if (e.Step != step + 1)
                throw new InvalidOperationException($"run {RunId}: the journal has step {e.Step} after step {step}");
            (step, tokens) = (e.Step, tokens + e.Tokens);
            losses.Add(e.Loss);
        }
        return this with { Step = step, Tokens = tokens, Losses = losses.ToImmutable(), LastStep = steps[^1] };
    }

    RunState RolledBackTo(RolledBack e)
    {
        if (e.ToStep < FirstStep - 1 || e.ToStep > Step)
            throw new InvalidOperationException($"run {RunId}: the journal rolls back to step {e.ToStep}, outside steps {FirstStep - 1}..{Step}");
        return this with
        {
            Step = e.ToStep,
            Tokens = e.Tokens,
            Losses = Losses.GetRange(0, (int)(e.ToStep - FirstStep + 1)),
            Rollbacks = Rollbacks.Add(e),
        };
    }

    // Immutable lists compare by reference; two states are equal when their snapshots are.
    public bool Equals(RunState? other) =>
        other is not null && (ReferenceEquals(this, other) || ToSnapshot().Equals(other.ToSnapshot()));

    public override int GetHashCode() => HashCode.Combine(RunId, Step, Events);

    public RunSnapshot ToSnapshot()
    {
        var snapshot = new RunSnapshot
        {
            Created = Created?.Clone(),
            Status = Status,
            Step = Step,
            FirstStep = FirstStep,
            Tokens = Tokens,
            LastStep = LastStep?.Clone(),
            LastResumed = LastResumed?.Clone(),
            StatusReason = StatusReason,
            Events = Events,
        };
        snapshot.Losses.AddRange(Losses);
        snapshot.Checkpoints.AddRange(Checkpoints.Select(c => new CheckpointEntry
        {
            Committed = new CheckpointCommitted { Step = c.Step, ContentHash = c.Hash, Path = c.Path, Bytes = c.Bytes, EvalsOwed = [.. c.EvalsOwed] },
            Deleted = c.Deleted,
            DeletedReason = c.DeletedReason,
        }));
        snapshot.Evals.AddRange(Evals.Select(e => e.Clone()));
        snapshot.Overrides.AddRange(Overrides.Select(o => o.Clone()));
        snapshot.Skips.AddRange(Skips.Select(k => k.Clone()));
        snapshot.Rollbacks.AddRange(Rollbacks.Select(r => r.Clone()));
        return snapshot;
    }

    public static RunState FromSnapshot(RunSnapshot s) => new()
    {
        RunId = s.Created?.RunId ?? "",
        Created = s.Created,
        Status = s.Status,
        Step = s.Step,
        FirstStep = s.FirstStep,
        Tokens = s.Tokens,
        Losses = [.. s.Losses],
        LastStep = s.LastStep,
        Checkpoints = [.. s.Checkpoints.Select(c => new Checkpoint(
            c.Committed.Step, c.Committed.ContentHash, c.Committed.Path, c.Committed.Bytes, c.Deleted, c.DeletedReason) { EvalsOwed = [.. c.Committed.EvalsOwed] })],
        Evals = [.. s.Evals],
        Overrides = [.. s.Overrides],
        Skips = [.. s.Skips],
        Rollbacks = [.. s.Rollbacks],
        LastResumed = s.LastResumed,
        StatusReason = s.StatusReason,
        Events = s.Events,
    };
}
