using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Query;
using Stlm.Actors.Persistence.Sql;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>
/// What only the SQL journals promise, on each engine: the stored table shape, purge of deleted
/// rows, schema creation by several processes, and clear errors for corrupt rows.
/// </summary>
public abstract class SqlJournalSpec(SqlTestDatabase database) : IAsyncLifetime
{
    protected readonly string Pid = "run-" + Guid.NewGuid().ToString("N")[..8];
    protected SqlPersistence Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = new SqlPersistence(database.CreateDialect(), Serializer, new SqlJournalOptions { PageSize = 4, PollInterval = TimeSpan.FromMilliseconds(20), MaxGapWait = TimeSpan.FromSeconds(1) });
        Assert.All(await Store.Journal.WriteMessagesAsync([
            Write(Persistent(Pid, 1, tags: ["t1"])),
            Write(Persistent(Pid, 2, tags: ["t1", "t2"]), Persistent(Pid, 3)),
        ]), Assert.Null);
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await database.DisposeAsync();
    }

    async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await Store.Dialect.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.With(name, value);
        await command.ExecuteNonQueryAsync();
    }

    async Task<List<object?[]>> RowsAsync(string sql)
    {
        await using var connection = await Store.Dialect.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            reader.GetValues(row!);
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task Events_are_stored_in_the_akka_table_shape()
    {
        var rows = await RowsAsync("SELECT persistence_id, sequence_number, serializer_id, manifest, writer_uuid, deleted FROM event_journal ORDER BY ordering");
        Assert.Equal(3, rows.Count);
        Assert.Equal(Pid, rows[1][0]);
        Assert.Equal(2L, Convert.ToInt64(rows[1][1]));
        Assert.Equal(10L, Convert.ToInt64(rows[1][2]));
        Assert.Equal("stlm.test.TestEvent", rows[1][3]);
        Assert.Equal("writer-1", rows[1][4]);
        Assert.False(Convert.ToBoolean(rows[1][5]));
        var tags = await RowsAsync("SELECT t.tag, t.sequence_number FROM tags t JOIN event_journal e ON e.ordering = t.ordering_id ORDER BY t.ordering_id, t.tag");
        Assert.Equal(["t1:1", "t1:2", "t2:2"], tags.Select(t => $"{t[0]}:{Convert.ToInt64(t[1])}"));
    }

    [Fact]
    public async Task Purging_deleted_rows_keeps_the_highest_sequence_number()
    {
        await Store.Journal.DeleteMessagesToAsync(Pid, 3);
        Assert.Equal(3, await Store.Journal.PurgeDeletedAsync());
        Assert.Empty(await RowsAsync("SELECT ordering FROM event_journal"));
        Assert.Empty(await RowsAsync("SELECT ordering_id FROM tags"));
        Assert.Equal(3, await Store.Journal.ReadHighestSequenceNrAsync(Pid, 0));
        Assert.All(await Store.Journal.WriteMessagesAsync([Write(Persistent(Pid, 4))]), Assert.Null);
        Assert.Equal(4, await Store.Journal.ReadHighestSequenceNrAsync(Pid, 0));
    }

    [Fact]
    public async Task A_second_process_on_the_same_database_shares_the_schema_and_its_guard()
    {
        await using var second = new SqlPersistence(database.CreateDialect(), Serializer);
        Assert.Equal(3, await second.Journal.ReadHighestSequenceNrAsync(Pid, 0));
        var error = await Assert.ThrowsAsync<JournalConcurrencyException>(() =>
            second.Journal.WriteMessagesAsync([Write(Persistent(Pid, 4, writer: "second")), Write(Persistent(Pid, 2, writer: "second"))]));
        Assert.Equal(2, error.SequenceNr);
        Assert.All(await Store.Journal.WriteMessagesAsync([Write(Persistent(Pid, 4))]), Assert.Null);
    }

    [Fact]
    public async Task Two_processes_writing_at_once_both_get_through()
    {
        await using var second = new SqlPersistence(database.CreateDialect(), Serializer);
        async Task WriteManyAsync(IJournal journal, string pid)
        {
            for (var n = 1; n <= 40; n += 4)
                Assert.All(await journal.WriteMessagesAsync(Enumerable.Range(n, 4).Select(s => Write(Persistent(pid, s))).ToList()), Assert.Null);
        }
        await Task.WhenAll(Task.Run(() => WriteManyAsync(Store.Journal, Pid + "-one")), Task.Run(() => WriteManyAsync(second.Journal, Pid + "-two")));
        Assert.Equal(40, await Store.Journal.ReadHighestSequenceNrAsync(Pid + "-two", 0));
        Assert.Equal(40, await second.Journal.ReadHighestSequenceNrAsync(Pid + "-one", 0));
    }

    [Fact]
    public async Task A_corrupt_event_gives_an_error_naming_the_run_and_sequence_number()
    {
        await ExecuteAsync("UPDATE event_journal SET message = @m WHERE persistence_id = @p AND sequence_number = 2",
            ("@m", new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }), ("@p", Pid));
        var error = await Assert.ThrowsAsync<CorruptPayloadException>(() =>
            Store.Journal.ReplayMessagesAsync(Pid, 1, long.MaxValue, long.MaxValue, _ => { }));
        Assert.StartsWith($"journal event {Pid}#2 (manifest stlm.test.TestEvent) is corrupt: ", error.Message);
        Assert.Equal(2, error.SequenceNr);
        var viaQuery = await Assert.ThrowsAsync<CorruptPayloadException>(async () =>
        {
            await foreach (var _ in Store.Query.CurrentAllEvents()) { }
        });
        Assert.Equal(Pid, viaQuery.PersistenceId);
    }

    [Fact]
    public async Task An_event_with_an_unknown_manifest_gives_an_error_naming_it()
    {
        await ExecuteAsync("UPDATE event_journal SET manifest = 'stlm.test.Renamed' WHERE sequence_number = 3");
        var error = await Assert.ThrowsAsync<CorruptPayloadException>(() =>
            Store.Journal.ReplayMessagesAsync(Pid, 1, long.MaxValue, long.MaxValue, _ => { }));
        Assert.Contains($"{Pid}#3 (manifest stlm.test.Renamed)", error.Message);
        Assert.Contains("renamed or removed", error.Message);
    }

    [Fact]
    public async Task A_corrupt_snapshot_gives_an_error_naming_it()
    {
        await Store.Snapshots.SaveAsync(new SnapshotMetadata(Pid, 3), Event(3));
        await ExecuteAsync("UPDATE snapshot SET snapshot = @m", ("@m", new byte[] { 0x0A, 0x7F, 1 }));
        var error = await Assert.ThrowsAsync<CorruptPayloadException>(() => Store.Snapshots.LoadAsync(Pid, SnapshotSelectionCriteria.Latest));
        Assert.StartsWith($"journal snapshot {Pid}#3 (manifest stlm.test.TestEvent) is corrupt", error.Message);
    }

    [Fact]
    public async Task A_live_query_passes_a_gap_left_by_purged_events()
    {
        await Store.Journal.DeleteMessagesToAsync(Pid, 2);
        await Store.Journal.PurgeDeletedAsync();
        await Store.Journal.WriteMessagesAsync([Write(Persistent(Pid, 4))]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<long>();
        await foreach (var e in Store.Query.AllEvents(0, cts.Token))
        {
            seen.Add(e.SequenceNr);
            if (seen.Count == 2) break;
        }
        Assert.Equal([3, 4], seen);
    }
}
