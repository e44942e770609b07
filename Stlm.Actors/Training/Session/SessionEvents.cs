using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

/// <summary>What a session reports to its observer (TrainingSessionOptions.Observer), in the order it happened.</summary>
public abstract record SessionEvent;

/// <summary>A step is journaled (or, after a resume, re-ran and matched the journal bit for bit: <paramref name="Rechecked"/>).</summary>
public sealed record StepEvent(StepCompleted Step, bool Rechecked) : SessionEvent;

/// <summary>A step's loss was not finite and its batch was skipped (session.on-non-finite = skip-batch).</summary>
public sealed record StepSkippedEvent(StepSkipped Skipped) : SessionEvent;

/// <summary>Training went back to a checkpoint with a lower learning rate (session.on-non-finite = rollback).</summary>
public sealed record RolledBackEvent(RolledBack RolledBack) : SessionEvent;

/// <summary>An evaluation is journaled (EvalCompleted).</summary>
public sealed record EvalEvent(EvalCompleted Eval) : SessionEvent;

/// <summary>A checkpoint is durable and journaled (CheckpointCommitted).</summary>
public sealed record CheckpointEvent(long Step, string ContentHash, string Path, long Bytes) : SessionEvent;

/// <summary>The retention policy removed a checkpoint (CheckpointDeleted).</summary>
public sealed record CheckpointDeletedEvent(long Step, string ContentHash, string Reason) : SessionEvent;

/// <summary>A schedule override is journaled (ScheduleOverridden).</summary>
public sealed record OverrideEvent(ScheduleOverridden Override) : SessionEvent;

/// <summary>The run's status changed: Running (created or resumed, from <paramref name="Step"/>), Paused, Completed or Failed.</summary>
public sealed record StatusEvent(RunStatus Status, long Step, string Reason) : SessionEvent;

/// <summary>How a session ended.</summary>
public enum SessionEnd { Completed, Paused, Failed }

/// <summary>
/// The session's result: how it ended, the last step it trained, the tokens seen (a fork counts
/// its parent's too), the last journaled loss and the last held-out bits per byte (null when no
/// evaluation ran), and why it paused or failed.
/// </summary>
public sealed record SessionOutcome(SessionEnd End, string RunId, long Step, long Tokens, double LastLoss, double? HeldOutBpb, string Reason)
{
    /// <summary>Failed, but journaled as Interrupted (a data-parallel rank was lost): the run goes on with `stlm resume`.</summary>
    public bool Interrupted { get; init; }
}
