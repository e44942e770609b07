namespace Stlm.Actors.Persistence;

/// <summary>Offered to ReceiveRecover first when recovery starts from a snapshot.</summary>
public sealed record SnapshotOffer(SnapshotMetadata Metadata, object Snapshot);

/// <summary>The last message ReceiveRecover gets, always, also when nothing was ever written.</summary>
public sealed class RecoveryCompleted
{
    public static readonly RecoveryCompleted Instance = new();
    RecoveryCompleted() { }
}

/// <summary>An event with journal tags (for queries by tag). The handler gets the Tagged itself.</summary>
public sealed record Tagged(object Payload, IReadOnlyCollection<string> Tags);

/// <summary>What recovery replays (Akka's Recovery): the snapshot to start from and the events after it.</summary>
public sealed record Recovery(SnapshotSelectionCriteria FromSnapshot, long ToSequenceNr = long.MaxValue, long ReplayMax = long.MaxValue)
{
    public static Recovery Default { get; } = new(SnapshotSelectionCriteria.Latest);

    /// <summary>Skip snapshot and events; the actor only learns its highest sequence number.</summary>
    public static Recovery None { get; } = new(SnapshotSelectionCriteria.None, 0, 0);
}

public sealed record SaveSnapshotSuccess(SnapshotMetadata Metadata);
public sealed record SaveSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);
public sealed record DeleteSnapshotSuccess(SnapshotMetadata Metadata);
public sealed record DeleteSnapshotFailure(SnapshotMetadata Metadata, Exception Cause);
public sealed record DeleteSnapshotsSuccess(SnapshotSelectionCriteria Criteria);
public sealed record DeleteSnapshotsFailure(SnapshotSelectionCriteria Criteria, Exception Cause);
public sealed record DeleteMessagesSuccess(long ToSequenceNr);
public sealed record DeleteMessagesFailure(Exception Cause, long ToSequenceNr);

/// <summary>Messages a persistent actor sends itself; tagged with the instance so a restarted actor ignores stale ones.</summary>
internal abstract record PersistenceInternal(long Instance);

internal sealed record SnapshotLoaded(long Instance, SelectedSnapshot? Snapshot) : PersistenceInternal(Instance);
internal sealed record EventReplayed(long Instance, Persistent Event) : PersistenceInternal(Instance);
internal sealed record ReplaySucceeded(long Instance, long HighestSequenceNr) : PersistenceInternal(Instance);
internal sealed record ReplayFailed(long Instance, Exception Cause) : PersistenceInternal(Instance);
internal sealed record WriteCompleted(long Instance, long WriteId, IReadOnlyList<Exception?> Results) : PersistenceInternal(Instance);
internal sealed record WriteFailed(long Instance, long WriteId, Exception Cause) : PersistenceInternal(Instance);
