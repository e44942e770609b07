namespace Stlm.Actors.Persistence.InMemory;

/// <summary>
/// A snapshot store in memory with the reference semantics of <see cref="ISnapshotStore"/>:
/// load picks the youngest snapshot matching the criteria (highest sequence number, then
/// newest), a save at the same sequence number overwrites, deletes by metadata or criteria.
/// With a serializer, snapshots are stored as bytes and loaded as fresh objects.
/// </summary>
public sealed class InMemorySnapshotStore(IPayloadSerializer? serializer = null) : ISnapshotStore
{
    readonly Dictionary<string, List<(SnapshotMetadata Metadata, object Snapshot)>> _snapshots = [];
    readonly Lock _lock = new();

    static bool Matches(SnapshotMetadata m, SnapshotSelectionCriteria c) =>
        m.SequenceNr >= c.MinSequenceNr && m.SequenceNr <= c.MaxSequenceNr
        && (c.MaxTimestamp is null || m.Timestamp <= c.MaxTimestamp)
        && (c.MinTimestamp is null || m.Timestamp >= c.MinTimestamp);

    public Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        (SnapshotMetadata Metadata, object Snapshot) found;
        lock (_lock)
        {
            if (!_snapshots.TryGetValue(persistenceId, out var list))
                return Task.FromResult<SelectedSnapshot?>(null);
            found = list.Where(s => Matches(s.Metadata, criteria))
                .OrderByDescending(s => s.Metadata.SequenceNr).ThenByDescending(s => s.Metadata.Timestamp)
                .FirstOrDefault();
        }
        if (found.Metadata is null)
            return Task.FromResult<SelectedSnapshot?>(null);
        var snapshot = found.Snapshot is SerializedPayload bytes && serializer is not null ? serializer.Deserialize(bytes) : found.Snapshot;
        return Task.FromResult<SelectedSnapshot?>(new SelectedSnapshot(found.Metadata, snapshot));
    }

    public Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default)
    {
        object stored;
        try
        {
            stored = serializer is null ? snapshot : serializer.Serialize(snapshot);
        }
        catch (Exception e)
        {
            return Task.FromException(e);
        }
        var stamped = metadata.Timestamp == default ? metadata with { Timestamp = DateTime.UtcNow } : metadata;
        lock (_lock)
        {
            if (!_snapshots.TryGetValue(metadata.PersistenceId, out var list))
                _snapshots[metadata.PersistenceId] = list = [];
            list.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr);
            list.Add((stamped, stored));
        }
        return Task.CompletedTask;
    }

    public Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default)
    {
        lock (_lock)
            if (_snapshots.TryGetValue(metadata.PersistenceId, out var list))
                list.RemoveAll(s => s.Metadata.SequenceNr == metadata.SequenceNr
                                    && (metadata.Timestamp == default || s.Metadata.Timestamp == metadata.Timestamp));
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        lock (_lock)
            if (_snapshots.TryGetValue(persistenceId, out var list))
                list.RemoveAll(s => Matches(s.Metadata, criteria));
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
