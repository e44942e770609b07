using System.Text.RegularExpressions;
using Stlm.Model;

namespace Stlm.Actors.Training.Run;

// What the RunActor hears. Every command is answered with RunAccepted (the state after it) or
// RunRejected (one line saying why); StepRechecked answers a re-run step that matched the journal.

/// <summary>Creates the run; with <paramref name="Fork"/>, as a fork of a parent run's committed checkpoint.</summary>
public sealed record CreateRun(string RunId, string ConfigHocon, string ConfigHash, long Seed, string CodeVersion, ForkFrom? Fork = null);

/// <summary>The parent's state as read from the journal, the step to fork at (null: its newest checkpoint) and the overrides.</summary>
public sealed record ForkFrom(RunState Parent, long? Step, IReadOnlyList<string> Overrides);

public sealed record RecordStep(StepCompleted Step);

/// <summary>A step's batch was skipped for a non-finite loss (the step number is trained again on the next batch).</summary>
public sealed record RecordSkip(StepSkipped Skip);

/// <summary>
/// A non-finite loss at <paramref name="FailedStep"/> sends training back to the committed
/// checkpoint at <paramref name="ToStep"/> (empty hash: the run's start); the steps after it are trained again.
/// </summary>
public sealed record RollBack(long FailedStep, double Loss, long ToStep, string CheckpointHash);

/// <summary><paramref name="EvalsOwed"/>: the evaluations of this checkpoint handed to the cluster (CheckpointCommitted.EvalsOwed).</summary>
public sealed record CommitCheckpoint(long Step, string ContentHash, string Path, long Bytes, IReadOnlyList<string>? EvalsOwed = null);

public sealed record DeleteCheckpoint(string ContentHash, string Reason);

public sealed record RecordEval(long Step, string Task, IReadOnlyList<KeyValuePair<string, double>> Metrics);

/// <summary>Changes a schedule from a step on (null: the next step).</summary>
public sealed record OverrideSchedule(string What, string Value, long? FromStep = null, string DecidedBy = "");

public sealed record PauseRun(string Reason);

/// <summary>Training goes on in this process from a committed checkpoint (null: the newest one, or the run's start).</summary>
public sealed record ResumeRun(string Node, long ProcessId, string? CheckpointHash = null);

public sealed record FailRun(string Reason);

/// <summary>Training stops for a reason outside the run (a data-parallel rank died); the run stays resumable.</summary>
public sealed record InterruptRun(string Reason);

public sealed record CompleteRun;

public sealed record GetRunState;

public abstract record RunReply;

public sealed record RunAccepted(RunState State) : RunReply;

/// <summary>A step re-executed after a resume whose loss equals the journaled one bit for bit.</summary>
public sealed record StepRechecked(long Step, RunState State) : RunReply;

public sealed record RunRejected(string Reason) : RunReply;

/// <summary>
/// Published on the actor system's event stream by the RunActor after each event it persisted,
/// with the run's state after it: actors that react to the run's events (the schedule's
/// policies, checkpoint retention) subscribe instead of being told by whoever caused the event.
/// </summary>
public sealed record RunJournaled(string RunId, object Event, RunState State);

/// <summary>A command the run refused; its message is the one line the user reads.</summary>
public sealed class RunCommandRejectedException(string reason) : StlmException(reason);

public static partial class RunIds
{
    public const string PersistencePrefix = "run-";

    public static string PersistenceId(string runId) => PersistencePrefix + runId;

    /// <summary>The run id of a persistence id, or null when it is not a run's.</summary>
    public static string? FromPersistenceId(string persistenceId) =>
        persistenceId.StartsWith(PersistencePrefix, StringComparison.Ordinal) ? persistenceId[PersistencePrefix.Length..] : null;

    /// <summary>A fresh id: "r-" and 8 hex digits.</summary>
    public static string New() => "r-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    public static string Validate(string runId) => Pattern().IsMatch(runId)
        ? runId
        : throw new StlmException($"run id '{runId}' is not valid: use letters, digits, '-', '_' or '.', starting with a letter or digit (at most 64)");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();
}
