using System.Data.Common;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>The snapshot store on SQL: one row per (persistence id, sequence number), overwritten on save.</summary>
public sealed class SqlSnapshotStore(SqlDialect dialect, IPayloadSerializer serializer) : ISnapshotStore
{
    readonly SqlStatements _sql = dialect.Statements;

    public async Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Bind(Db.Command(connection, _sql.LoadSnapshot), persistenceId, criteria);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var sequenceNr = reader.GetInt64(1);
        var metadata = new SnapshotMetadata(persistenceId, sequenceNr, Db.Time(reader.GetInt64(2)));
        var payload = new SerializedPayload(reader.GetInt32(5), reader.GetString(4), reader.GetFieldValue<byte[]>(3));
        try
        {
            return new SelectedSnapshot(metadata, serializer.Deserialize(payload));
        }
        catch (Exception e)
        {
            throw new CorruptPayloadException("snapshot", persistenceId, sequenceNr, payload.Manifest, e);
        }
    }

    public async Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken ct = default)
    {
        var payload = serializer.Serialize(snapshot);
        var created = metadata.Timestamp == default ? DateTime.UtcNow.Ticks : Db.Ticks(metadata.Timestamp);
        using (await dialect.WriteTurnAsync(ct))
        {
            await using var connection = await dialect.OpenAsync(ct);
            await using var command = Db.Command(connection, _sql.SaveSnapshot)
                .With("@pid", metadata.PersistenceId).With("@seq", metadata.SequenceNr).With("@created", created)
                .With("@snapshot", payload.Bytes).With("@manifest", payload.Manifest).With("@serializer", payload.SerializerId);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task DeleteAsync(SnapshotMetadata metadata, CancellationToken ct = default)
    {
        using (await dialect.WriteTurnAsync(ct))
        {
            await using var connection = await dialect.OpenAsync(ct);
            await using var command = Db.Command(connection, _sql.DeleteSnapshot)
                .With("@pid", metadata.PersistenceId).With("@seq", metadata.SequenceNr);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken ct = default)
    {
        using (await dialect.WriteTurnAsync(ct))
        {
            await using var connection = await dialect.OpenAsync(ct);
            await using var command = Bind(Db.Command(connection, _sql.DeleteSnapshots), persistenceId, criteria);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    static DbCommand Bind(DbCommand command, string persistenceId, SnapshotSelectionCriteria c) => command
        .With("@pid", persistenceId)
        .With("@maxSeq", c.MaxSequenceNr)
        .With("@minSeq", c.MinSequenceNr)
        .With("@maxTime", c.MaxTimestamp is { } max ? Db.Ticks(max) : long.MaxValue)
        .With("@minTime", c.MinTimestamp is { } min ? Db.Ticks(min) : long.MinValue);

    /// <summary>The dialect (and its connections) belongs to whoever made it: see <see cref="SqlPersistence"/>.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
