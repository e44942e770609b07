using System.Data.Common;
using Stlm.Model.Faults;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// The event journal on SQL (SQLite or PostgreSQL, by <see cref="SqlDialect"/>), in the table
/// shape of Akka.Persistence.Sql. Deletion is logical (deleted = true) and the highest sequence
/// number of a deleted stretch is kept in journal_metadata, so <see cref="PurgeDeletedAsync"/>
/// can remove the rows without ever lowering it.
/// </summary>
public sealed class SqlJournal : IJournal
{
    readonly SqlDialect _dialect;
    readonly IPayloadSerializer _serializer;
    readonly SqlStatements _sql;
    readonly SqlEventWriter _writer;

    public SqlJournal(SqlDialect dialect, IPayloadSerializer serializer, SqlJournalOptions? options = null)
    {
        options ??= SqlJournalOptions.Default;
        _dialect = dialect;
        _serializer = serializer;
        _sql = dialect.Statements;
        _writer = new SqlEventWriter(_sql, dialect.MaxParameters, options.RowsPerInsert ?? dialect.RowsPerInsert);
    }

    public SqlDialect Dialect => _dialect;

    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        // Serialize first: an unserializable write is rejected alone, before any transaction opens.
        var results = new Exception?[writes.Count];
        var rows = new List<SqlEventWriter.Row>();
        var now = DateTime.UtcNow.Ticks;
        for (var w = 0; w < writes.Count; w++)
        {
            var start = rows.Count;
            try
            {
                foreach (var e in writes[w].Events)
                {
                    var created = e.Timestamp == default ? now : Db.Ticks(e.Timestamp);
                    rows.Add(new(e.PersistenceId, e.SequenceNr, created, _serializer.Serialize(e.Payload), e.WriterUuid, e.Tags));
                }
            }
            catch (Exception e)
            {
                rows.RemoveRange(start, rows.Count - start);
                results[w] = e;
            }
        }
        if (rows.Count == 0) return results;

        using (await _dialect.WriteTurnAsync(ct))
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            try
            {
                await _writer.InsertAsync(connection, tx, rows, ct);
                // Crash tests stop here (STLM_FAULT=journal:before-commit) to kill the process mid-write.
                if (FaultPoint.Armed) FaultPoint.Reach(FaultPoint.JournalBeforeCommit);
                await tx.CommitAsync(ct);
            }
            catch (DbException e) when (_dialect.IsUniqueViolation(e))
            {
                await tx.RollbackAsync(CancellationToken.None);
                throw await ConcurrencyErrorAsync(connection, rows, e);
            }
        }
        return results;
    }

    public async Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<Persistent> recoveryCallback, CancellationToken ct = default)
    {
        if (max <= 0 || fromSequenceNr > toSequenceNr) return;
        await using var connection = await _dialect.OpenAsync(ct);
        await using var command = Db.Command(connection, _sql.Replay)
            .With("@pid", persistenceId).With("@from", fromSequenceNr).With("@to", toSequenceNr).With("@max", max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        string manifest = "", writer = "";
        while (await reader.ReadAsync(ct))
        {
            var sequenceNr = reader.GetInt64(0);
            // Runs repeat a handful of manifests and one writer: keep one string of each, not one per event.
            manifest = Same(manifest, reader.GetString(4));
            writer = Same(writer, reader.GetString(5));
            var payload = new SerializedPayload(reader.GetInt32(3), manifest, reader.GetFieldValue<byte[]>(2));
            var row = new StoredEvent(0, persistenceId, sequenceNr, Db.Time(reader.GetInt64(1)), payload, writer, false, []);
            recoveryCallback(new Persistent(Decode(row), persistenceId, sequenceNr, writer, row.Tags, row.Created));
        }
    }

    static string Same(string previous, string current) => string.Equals(previous, current, StringComparison.Ordinal) ? previous : current;

    public async Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default)
    {
        await using var connection = await _dialect.OpenAsync(ct);
        return await HighestAsync(connection, null, persistenceId, ct);
    }

    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default)
    {
        using (await _dialect.WriteTurnAsync(ct))
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var highest = await HighestAsync(connection, tx, persistenceId, ct);
            await using (var mark = Db.Command(connection, _sql.MarkDeleted, tx).With("@pid", persistenceId).With("@to", toSequenceNr))
                await mark.ExecuteNonQueryAsync(ct);
            if (highest > 0)
                await using (var keep = Db.Command(connection, _sql.KeepHighest, tx).With("@pid", persistenceId).With("@seq", highest))
                    await keep.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
        }
    }

    /// <summary>Physically removes deleted events (and their tags); highest sequence numbers stay.</summary>
    public async Task<int> PurgeDeletedAsync(CancellationToken ct = default)
    {
        using (await _dialect.WriteTurnAsync(ct))
        {
            await using var connection = await _dialect.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var tags = Db.Command(connection, _sql.PurgeDeletedTags, tx))
                await tags.ExecuteNonQueryAsync(ct);
            int removed;
            await using (var events = Db.Command(connection, _sql.PurgeDeletedEvents, tx))
                removed = await events.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            return removed;
        }
    }

    object Decode(StoredEvent row) => Decode(_serializer, "event", row);

    internal static object Decode(IPayloadSerializer serializer, string what, StoredEvent row)
    {
        try
        {
            return serializer.Deserialize(row.Payload);
        }
        catch (Exception e)
        {
            throw new CorruptPayloadException(what, row.PersistenceId, row.SequenceNr, row.Payload.Manifest, e);
        }
    }

    async Task<long> HighestAsync(DbConnection connection, DbTransaction? tx, string persistenceId, CancellationToken ct)
    {
        await using var command = Db.Command(connection, _sql.HighestSequenceNr, tx).With("@pid", persistenceId);
        var value = await command.ExecuteScalarAsync(ct);
        return value is null or DBNull ? 0 : Convert.ToInt64(value);
    }

    /// <summary>Names the (id, sequence number) that collided: a duplicate within the batch or a row already stored.</summary>
    async Task<JournalConcurrencyException> ConcurrencyErrorAsync(DbConnection connection, List<SqlEventWriter.Row> rows, DbException cause)
    {
        var seen = new HashSet<(string, long)>();
        foreach (var row in rows)
            if (!seen.Add((row.PersistenceId, row.SequenceNr)))
                return new JournalConcurrencyException(row.PersistenceId, row.SequenceNr, cause);
        foreach (var group in rows.GroupBy(r => r.PersistenceId))
        {
            var mine = group.Select(r => r.SequenceNr).ToHashSet();
            await using var command = Db.Command(connection, _sql.ExistingSequenceNrs)
                .With("@pid", group.Key).With("@from", mine.Min()).With("@to", mine.Max());
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None);
            while (await reader.ReadAsync(CancellationToken.None))
                if (mine.Contains(reader.GetInt64(0)))
                    return new JournalConcurrencyException(group.Key, reader.GetInt64(0), cause);
        }
        return new JournalConcurrencyException(rows[0].PersistenceId, rows[0].SequenceNr, cause);
    }

    /// <summary>The dialect (and its connections) belongs to whoever made it: see <see cref="SqlPersistence"/>.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
