using Akka.Actor;
using Akka.Persistence;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;

namespace Stlm.Actors.Migration;

/// <summary>What `stlm journal migrate` did.</summary>
public sealed record MigrationReport(int Runs, int Events, int Snapshots, string Backup);

/// <summary>
/// Converts a journal written before the move to Akka (<see cref="LegacyJournal"/>) in place:
/// every event is written again, in order and with its sequence number and the time it was first
/// journaled, through Akka.Persistence
/// (MessagePack, Akka.Persistence.Sql's tables), every snapshot saved at its sequence number; the
/// lease and operator-request tables are left as they are, and checkpoints are files the
/// journal only names. The old tables are kept, renamed v1_* (SQLite also gets a copy of the
/// whole file first). Until the renaming commits, the journal stays an old one: a migration
/// cut short is simply run again (Akka's tables are emptied first).
/// </summary>
public static class JournalMigration
{
    sealed record WriteAll(IReadOnlyList<object> Events);

    sealed record Written(long LastSequenceNr);

    /// <summary>Persists the events of one persistence id, from sequence number 1 on, in one go.</summary>
    sealed class Writer : ReceivePersistentActor
    {
        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<WriteAll>(w =>
            {
                var sender = Sender;
                var left = w.Events.Count;
                PersistAll(w.Events, _ =>
                {
                    if (--left == 0) sender.Tell(new Written(LastSequenceNr));
                });
            });
            Recover<RecoveryCompleted>(_ => { });
            Recover<object>(_ => throw new InvalidOperationException($"{persistenceId} already has events in Akka's journal"));
        }

        public override string PersistenceId { get; }
    }

    public static async Task<MigrationReport?> MigrateAsync(JournalLocation location, CancellationToken ct = default)
    {
        await using var dialect = location.CreateDialect();
        if (!await LegacyJournal.IsLegacyAsync(dialect, ct)) return null;
        var events = await LegacyJournal.ReadEventsAsync(dialect, ct);
        var snapshots = await LegacyJournal.ReadSnapshotsAsync(dialect, ct);
        var backup = await BackUpAsync(dialect, location, ct);
        await EmptyAkkaTablesAsync(dialect, ct);

        var system = ActorSystem.Create("stlm-migrate", StlmAkka.For(dialect));
        try
        {
            var runs = events.GroupBy(e => e.PersistenceId, StringComparer.Ordinal).ToList();
            foreach (var run in runs)
            {
                var rows = run.ToList();
                for (var i = 0; i < rows.Count; i++)
                    if (rows[i].SequenceNr != i + 1)
                        throw new StlmException($"cannot migrate {run.Key}: its events are numbered {rows[i].SequenceNr} where {i + 1} was expected (the old journal has a gap)");
                var writer = system.ActorOf(Props.Create(() => new Writer(run.Key)));
                var written = await writer.Ask<Written>(new WriteAll([.. rows.Select(r => r.Payload)]), TimeSpan.FromMinutes(5), ct);
                if (written.LastSequenceNr != rows.Count) throw new InvalidOperationException($"{run.Key}: wrote {written.LastSequenceNr} of {rows.Count} events");
                system.Stop(writer);
            }
            var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
            foreach (var s in snapshots)
            {
                var metadata = new SnapshotMetadata(s.PersistenceId, s.SequenceNr, new DateTime(s.Created, DateTimeKind.Utc));
                var saved = await store.Ask<object>(new SaveSnapshot(metadata, s.Payload), TimeSpan.FromMinutes(1), ct);
                if (saved is SaveSnapshotFailure failure) throw failure.Cause;
            }
            await KeepTimestampsAsync(dialect, events, ct);
            await RetireLegacyTablesAsync(dialect, ct);
            return new MigrationReport(runs.Count, events.Count, snapshots.Count, backup);
        }
        finally
        {
            await system.Terminate();
        }
    }

    /// <summary>SQLite: a consistent copy of the whole file beside it. PostgreSQL: the v1_* tables are the backup.</summary>
    static async Task<string> BackUpAsync(SqlDialect dialect, JournalLocation location, CancellationToken ct)
    {
        if (dialect is not SqliteDialect sqlite) return $"tables {string.Join(", ", LegacyJournal.Tables.Select(t => "v1_" + t))} in {dialect.Where}";
        var backup = $"{sqlite.Path}.v1-backup-{DateTime.UtcNow:yyyyMMddHHmmss}";
        await using var connection = await dialect.OpenAsync(ct);
        await using var vacuum = Db.Command(connection, "VACUUM INTO @path").With("@path", backup);
        await vacuum.ExecuteNonQueryAsync(ct);
        return backup;
    }

    static async Task EmptyAkkaTablesAsync(SqlDialect dialect, CancellationToken ct)
    {
        foreach (var table in new[] { StlmAkka.JournalTable, StlmAkka.TagTable, StlmAkka.MetadataTable, StlmAkka.SnapshotTable })
        {
            if (!await dialect.HasTableAsync(table, ct)) continue;
            await using var connection = await dialect.OpenAsync(ct);
            await using var delete = Db.Command(connection, $"DELETE FROM {table}");
            await delete.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Each event keeps the time it was first journaled. Akka's journal stamps a write with the
    /// time of the write (AsyncWriteJournal prepares each event with Persistent.Update, which drops
    /// a timestamp given to it), so the migrated rows get theirs back afterwards, in one transaction.
    /// </summary>
    static async Task KeepTimestampsAsync(SqlDialect dialect, IReadOnlyList<LegacyJournal.Row> events, CancellationToken ct)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var update = Db.Command(connection,
                $"UPDATE {StlmAkka.JournalTable} SET created = @created WHERE persistence_id = @id AND sequence_number = @seq", tx)
            .With("@created", 0L).With("@id", "").With("@seq", 0L);
        foreach (var e in events)
        {
            update.Set("@created", e.Created);
            update.Set("@id", e.PersistenceId);
            update.Set("@seq", e.SequenceNr);
            if (await update.ExecuteNonQueryAsync(ct) != 1)
                throw new InvalidOperationException($"{e.PersistenceId}#{e.SequenceNr} is not in Akka's journal after the migration wrote it");
        }
        await tx.CommitAsync(ct);
    }

    static async Task RetireLegacyTablesAsync(SqlDialect dialect, CancellationToken ct)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        foreach (var table in LegacyJournal.Tables)
        {
            await using (var drop = Db.Command(connection, $"DROP TABLE IF EXISTS v1_{table}", tx))
                await drop.ExecuteNonQueryAsync(ct);
            await using var rename = Db.Command(connection, $"ALTER TABLE {table} RENAME TO v1_{table}", tx);
            await rename.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }
}
