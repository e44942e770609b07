using Npgsql;
using Stlm.Actors.Persistence.Query;
using Stlm.Actors.Persistence.Sql;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>
/// PostgreSQL hands out ordering values at insert but shows rows at commit: a transaction held
/// open while a later one commits leaves a gap that live queries must wait for, not skip.
/// </summary>
public sealed class PostgresGapTests : IAsyncLifetime
{
    readonly PostgresTestDatabase _db = new();
    SqlPersistence _store = null!;

    SqlPersistence Open(TimeSpan maxGapWait) => new(_db.CreateDialect(), Serializer,
        new SqlJournalOptions { PageSize = 2, PollInterval = TimeSpan.FromMilliseconds(20), MaxGapWait = maxGapWait });

    public async Task InitializeAsync()
    {
        _store = Open(TimeSpan.FromSeconds(30));
        Assert.All(await _store.Journal.WriteMessagesAsync([Write(Persistent("early", 1, tags: ["t"]))]), Assert.Null);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>Inserts late#1 (tagged "t") in a transaction the caller commits or rolls back.</summary>
    async Task<(NpgsqlConnection, NpgsqlTransaction)> BeginLateWriteAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_db.ConnectionString) { SearchPath = _db.Schema }.ToString());
        await connection.OpenAsync();
        var tx = await connection.BeginTransactionAsync();
        var payload = Serializer.Serialize(Event(1));
        await using var insert = new NpgsqlCommand(
            "INSERT INTO event_journal (persistence_id, sequence_number, created, message, serializer_id, manifest, writer_uuid) " +
            "VALUES ('late', 1, @created, @message, @serializer, @manifest, 'raw') RETURNING ordering", connection, tx);
        insert.Parameters.AddWithValue("created", DateTime.UtcNow.Ticks);
        insert.Parameters.AddWithValue("message", payload.Bytes);
        insert.Parameters.AddWithValue("serializer", payload.SerializerId);
        insert.Parameters.AddWithValue("manifest", payload.Manifest);
        var ordering = (long)(await insert.ExecuteScalarAsync())!;
        await using var tag = new NpgsqlCommand(
            "INSERT INTO tags (ordering_id, tag, persistence_id, sequence_number) VALUES (@o, 't', 'late', 1)", connection, tx);
        tag.Parameters.AddWithValue("o", ordering);
        await tag.ExecuteNonQueryAsync();
        return (connection, tx);
    }

    static async Task<string> NextAsync(IAsyncEnumerator<EventEnvelope> live)
    {
        var next = live.MoveNextAsync().AsTask();
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(20)));
        return $"{live.Current.PersistenceId}{live.Current.SequenceNr}";
    }

    async Task A_late_commit_is_delivered_in_order(Func<CancellationToken, IAsyncEnumerable<EventEnvelope>> query)
    {
        var (connection, tx) = await BeginLateWriteAsync();
        await using var _ = connection;
        Assert.All(await _store.Journal.WriteMessagesAsync([Write(Persistent("early", 2, tags: ["t"]))]), Assert.Null);

        using var cts = new CancellationTokenSource();
        var live = query(cts.Token).GetAsyncEnumerator(cts.Token);
        Task<bool>? pending = null;
        try
        {
            Assert.Equal("early1", await NextAsync(live));
            pending = live.MoveNextAsync().AsTask();
            await Task.WhenAny(pending, Task.Delay(TimeSpan.FromMilliseconds(600)));
            if (pending.IsCompleted)
                Assert.Fail($"delivered {live.Current?.PersistenceId}{live.Current?.SequenceNr} past an uncommitted gap");

            await tx.CommitAsync();
            Assert.True(await pending.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal("late1", $"{live.Current.PersistenceId}{live.Current.SequenceNr}");
            Assert.Equal("early2", await NextAsync(live));
        }
        finally
        {
            // An async iterator cannot be disposed while a MoveNextAsync is in flight: end that first.
            await cts.CancelAsync();
            if (pending is { IsCompleted: false }) await Task.WhenAny(pending);
            await live.DisposeAsync();
        }
    }

    [Fact]
    public Task Live_all_events_wait_for_a_transaction_that_commits_late() =>
        A_late_commit_is_delivered_in_order(ct => _store.Query.AllEvents(0, ct));

    [Fact]
    public Task Live_events_by_tag_wait_for_a_transaction_that_commits_late() =>
        A_late_commit_is_delivered_in_order(ct => _store.Query.EventsByTag("t", 0, ct));

    [Fact]
    public async Task Live_all_events_pass_a_rolled_back_gap_after_the_wait()
    {
        await using var quick = Open(TimeSpan.FromMilliseconds(300));
        var (connection, tx) = await BeginLateWriteAsync();
        await using (connection)
            await tx.RollbackAsync();
        Assert.All(await quick.Journal.WriteMessagesAsync([Write(Persistent("early", 2))]), Assert.Null);

        using var cts = new CancellationTokenSource();
        await using var live = quick.Query.AllEvents(0, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal("early1", await NextAsync(live));
        Assert.Equal("early2", await NextAsync(live));
        await cts.CancelAsync();
    }
}
