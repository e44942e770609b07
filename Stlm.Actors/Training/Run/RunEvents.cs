using MessagePack;

namespace Stlm.Actors.Training.Run;

// The events of one training run (persistence id "run-<id>"): everything that changed its
// trajectory or what is known about it, and the run's snapshot. An on-disk format, stored as
// MessagePack maps under the manifests in Serialization/RunEventSerializer.cs: the rules for
// changing a class here are in Serialization/README.md (new fields get new keys; a key is never
// reused; a removed field's key stays reserved in the comment of its class).

/// <summary>Every journaled run event and the run's snapshot: compared and copied by their stored bytes.</summary>
public abstract class RunMessage<T> : IEquatable<T> where T : RunMessage<T>
{
    byte[] Bytes() => MessagePackSerializer.Serialize((T)this, RunMessages.Options);

    /// <summary>A deep copy (the stored bytes read back).</summary>
    public T Clone() => MessagePackSerializer.Deserialize<T>(Bytes(), RunMessages.Options);

    public bool Equals(T? other) => other is not null && (ReferenceEquals(this, other) || Bytes().AsSpan().SequenceEqual(other.Bytes()));

    public override bool Equals(object? obj) => obj is T other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes());
        return hash.ToHashCode();
    }

    /// <summary>The stored map as JSON (what `stlm journal dump` prints).</summary>
    public override string ToString() => MessagePackSerializer.ConvertToJson(Bytes(), RunMessages.Options);
}

public static class RunMessages
{
    /// <summary>Standard resolver; untrusted data (a journal may be old or damaged) is read with the hash-safe options.</summary>
    public static MessagePackSerializerOptions Options { get; } =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
}

[MessagePackObject]
public sealed class RunCreated : RunMessage<RunCreated>
{
    [Key("run_id")] public string RunId { get; set; } = "";
    [Key("config_hocon")] public string ConfigHocon { get; set; } = "";
    [Key("config_hash")] public string ConfigHash { get; set; } = "";
    [Key("seed")] public long Seed { get; set; }
    [Key("code_version")] public string CodeVersion { get; set; } = "";
    [Key("created_unix_ms")] public long CreatedUnixMs { get; set; }
    /// <summary>Null for a run trained from scratch.</summary>
    [Key("fork")] public ForkOrigin? Fork { get; set; }
}

[MessagePackObject]
public sealed class ForkOrigin : RunMessage<ForkOrigin>
{
    [Key("parent_run_id")] public string ParentRunId { get; set; } = "";
    [Key("fork_step")] public long ForkStep { get; set; }
    [Key("parent_checkpoint_hash")] public string ParentCheckpointHash { get; set; } = "";
    [Key("overrides")] public List<string> Overrides { get; set; } = [];
}

[MessagePackObject]
public sealed class DataCursor : RunMessage<DataCursor>
{
    [Key("epoch")] public long Epoch { get; set; }
    [Key("position")] public long Position { get; set; }
}

[MessagePackObject]
public sealed class StepCompleted : RunMessage<StepCompleted>
{
    [Key("step")] public long Step { get; set; }
    [Key("tokens")] public long Tokens { get; set; }
    [Key("loss")] public double Loss { get; set; }
    [Key("lr")] public double Lr { get; set; }
    [Key("dropout")] public double Dropout { get; set; }
    [Key("grad_norm")] public double GradNorm { get; set; }
    [Key("step_time_ms")] public double StepTimeMs { get; set; }
    /// <summary>Where the data loader stands after this step's batches.</summary>
    [Key("cursor")] public DataCursor? Cursor { get; set; }
}

[MessagePackObject]
public sealed class CheckpointCommitted : RunMessage<CheckpointCommitted>
{
    [Key("step")] public long Step { get; set; }
    [Key("content_hash")] public string ContentHash { get; set; } = "";
    [Key("path")] public string Path { get; set; } = "";
    [Key("bytes")] public long Bytes { get; set; }
    /// <summary>
    /// The evaluations of this checkpoint handed to the cluster's evaluators ("heldout" and
    /// eval.tasks names): owed until an EvalCompleted of its step and task. Empty: evaluated in
    /// the trainer's process, as every checkpoint was before the field existed.
    /// </summary>
    [Key("evals_owed")] public List<string> EvalsOwed { get; set; } = [];
}

[MessagePackObject]
public sealed class CheckpointDeleted : RunMessage<CheckpointDeleted>
{
    [Key("content_hash")] public string ContentHash { get; set; } = "";
    [Key("reason")] public string Reason { get; set; } = "";
}

[MessagePackObject]
public sealed class Metric : RunMessage<Metric>
{
    [Key("name")] public string Name { get; set; } = "";
    [Key("value")] public double Value { get; set; }
}

[MessagePackObject]
public sealed class EvalCompleted : RunMessage<EvalCompleted>
{
    [Key("step")] public long Step { get; set; }
    [Key("task")] public string Task { get; set; } = "";
    [Key("metrics")] public List<Metric> Metrics { get; set; } = [];
}

[MessagePackObject]
public sealed class ScheduleOverridden : RunMessage<ScheduleOverridden>
{
    [Key("what")] public string What { get; set; } = "";
    [Key("from_step")] public long FromStep { get; set; }
    [Key("value")] public string Value { get; set; } = "";
    /// <summary>Who decided: empty for an operator (stlm set), else the policy's name (e.g. "lr-plateau").</summary>
    [Key("decided_by")] public string DecidedBy { get; set; } = "";
}

[MessagePackObject]
public sealed class Paused : RunMessage<Paused>
{
    [Key("step")] public long Step { get; set; }
    [Key("reason")] public string Reason { get; set; } = "";
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

[MessagePackObject]
public sealed class Resumed : RunMessage<Resumed>
{
    [Key("checkpoint_hash")] public string CheckpointHash { get; set; } = "";
    [Key("step")] public long Step { get; set; }
    [Key("node")] public string Node { get; set; } = "";
    [Key("process_id")] public long ProcessId { get; set; }
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

[MessagePackObject]
public sealed class Failed : RunMessage<Failed>
{
    [Key("step")] public long Step { get; set; }
    [Key("reason")] public string Reason { get; set; } = "";
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

/// <summary>
/// Training stopped for a reason outside the run (a data-parallel rank died): the run stays
/// running in the journal, resumable from its last checkpoint; views show it as interrupted, with this reason.
/// </summary>
[MessagePackObject]
public sealed class Interrupted : RunMessage<Interrupted>
{
    [Key("step")] public long Step { get; set; }
    [Key("reason")] public string Reason { get; set; } = "";
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

[MessagePackObject]
public sealed class Completed : RunMessage<Completed>
{
    [Key("step")] public long Step { get; set; }
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

[MessagePackObject]
public sealed class StepSkipped : RunMessage<StepSkipped>
{
    [Key("step")] public long Step { get; set; }
    [Key("loss")] public double Loss { get; set; }
    [Key("grad_norm")] public double GradNorm { get; set; }
    [Key("from")] public DataCursor? From { get; set; }
    [Key("cursor")] public DataCursor? Cursor { get; set; }
}

[MessagePackObject]
public sealed class RolledBack : RunMessage<RolledBack>
{
    [Key("failed_step")] public long FailedStep { get; set; }
    [Key("loss")] public double Loss { get; set; }
    [Key("to_step")] public long ToStep { get; set; }
    [Key("checkpoint_hash")] public string CheckpointHash { get; set; } = "";
    [Key("tokens")] public long Tokens { get; set; }
    [Key("at_unix_ms")] public long AtUnixMs { get; set; }
}

/// <summary>Stored as its number: values are added, never renumbered or removed.</summary>
public enum RunStatus
{
    Unspecified = 0,
    Running = 1,
    Paused = 2,
    Failed = 3,
    Completed = 4,
}

[MessagePackObject]
public sealed class CheckpointEntry : RunMessage<CheckpointEntry>
{
    [Key("committed")] public CheckpointCommitted Committed { get; set; } = new();
    [Key("deleted")] public bool Deleted { get; set; }
    [Key("deleted_reason")] public string DeletedReason { get; set; } = "";
}

/// <summary>The run's state (RunState.ToSnapshot), saved every journal.snapshot-every events.</summary>
[MessagePackObject]
public sealed class RunSnapshot : RunMessage<RunSnapshot>
{
    [Key("created")] public RunCreated? Created { get; set; }
    [Key("status")] public RunStatus Status { get; set; }
    [Key("step")] public long Step { get; set; }
    [Key("first_step")] public long FirstStep { get; set; }
    [Key("tokens")] public long Tokens { get; set; }
    [Key("losses")] public List<double> Losses { get; set; } = [];
    [Key("last_step")] public StepCompleted? LastStep { get; set; }
    [Key("checkpoints")] public List<CheckpointEntry> Checkpoints { get; set; } = [];
    [Key("evals")] public List<EvalCompleted> Evals { get; set; } = [];
    [Key("overrides")] public List<ScheduleOverridden> Overrides { get; set; } = [];
    [Key("last_resumed")] public Resumed? LastResumed { get; set; }
    [Key("status_reason")] public string StatusReason { get; set; } = "";
    [Key("events")] public long Events { get; set; }
    [Key("skips")] public List<StepSkipped> Skips { get; set; } = [];
    [Key("rollbacks")] public List<RolledBack> Rollbacks { get; set; } = [];
}
