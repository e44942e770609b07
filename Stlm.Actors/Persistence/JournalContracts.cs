namespace Stlm.Actors.Persistence;

/// <summary>One event as the journal stores it (Akka's IPersistentRepresentation).</summary>
public sealed record Persistent(
    object Payload,
    string PersistenceId,
    long SequenceNr,
    string WriterUuid,
    IReadOnlyCollection<string> Tags,
    DateTime Timestamp = default);

/// <summary>Events written together or not at all (Akka's AtomicWrite).</summary>
public sealed record AtomicWrite(IReadOnlyList<Persistent> Events);

/// <summary>
/// The event journal (Akka's AsyncWriteJournal). Implementations: in-memory, SQLite, PostgreSQL.
/// </summary>
public interface IJournal : IAsyncDisposable
{
    /// <summary>
    /// Writes each atomic write in order. The result has one entry per write: null when written,
    /// the exception when that write was rejected (e.g. unserializable) while the others went on.
    /// Throws when the writes failed as a whole (storage down, concurrency conflict): then any of
    /// them may or may not have been stored.
    /// </summary>
    Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default);

    /// <summary>Replays non-deleted events with fromSequenceNr ≤ seq ≤ toSequenceNr, at most max of them, in order.</summary>
    Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<Persistent> recoveryCallback, CancellationToken ct = default);

    /// <summary>The highest sequence number ever written for the id (kept after deletion), or 0.</summary>
    Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default);

    /// <summary>Marks events up to and including toSequenceNr deleted; never lowers the highest sequence number.</summary>
    Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default);
}

public sealed record SnapshotMetadata(string PersistenceId, long SequenceNr, DateTime Timestamp = default);

public sealed record SelectedSnapshot(SnapshotMetadata Metadata, object Snapshot);

/// <summary>Which snapshots a load or delete may pick (Akka's SnapshotSelectionCriteria).</summary>
public sealed record SnapshotSelectionCriteria(
    long MaxSequenceNr = long.MaxValue,
    DateTime? MaxTimestamp = null,
    long MinSequenceNr = 0,
    DateTime? MinTimestamp = null)
{
    public static SnapshotSelectionCriteria Latest { get; } = new();
    public static SnapshotSelectionCriteria None { get; } = new(MaxSequenceNr: 0, MaxTimestamp: DateTime.MinValue);
}

/// <summary>The snapshot store (Akka's SnapshotStore).</summary>
public interface ISnapshotStore : IAsyncDisposable
{
    /// <summary>The youngest snapshot matching the criteria, or null.</summary>
    Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default);

    /// <summary>Saves a snapshot; one at the same (id, sequence number) is overwritten.</summary>
    Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default);

    Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default);

    Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default);
}

/// <summary>
/// Turns events and snapshots into bytes and back (Akka's Serializer with string manifests).
/// The SQL journals store serializer id, manifest and bytes in their own columns.
/// </summary>
public interface IPayloadSerializer
{
    /// <summary>Throws when the payload has no serializer; the journal reports that as a rejection.</summary>
    SerializedPayload Serialize(object payload);

    /// <summary>Throws a clear error when the bytes do not parse as the manifest's type.</summary>
    object Deserialize(SerializedPayload payload);
}

public sealed record SerializedPayload(int SerializerId, string Manifest, byte[] Bytes);
