using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Query;
using Stlm.Tests.Persistence.Protos;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>
/// The query conformance suite (Akka.Persistence.Query shapes). Each test starts with
/// A1 B1 A2 B2 A3 B3 A4 written one by one; A's odd events carry tag "odd", all of B's "b".
/// Implementations should use a small page size and poll interval so paging and live tails run.
/// </summary>
public abstract class ReadJournalSpec : IAsyncLifetime
{
    protected readonly string A = "a-" + Guid.NewGuid().ToString("N")[..8];
    protected readonly string B = "b-" + Guid.NewGuid().ToString("N")[..8];
    protected IJournal Journal { get; private set; } = null!;
    protected IReadJournal Query { get; private set; } = null!;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    protected abstract Task<(IJournal Journal, IReadJournal Query)> CreateAsync(IPayloadSerializer serializer);

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        (Journal, Query) = await CreateAsync(Serializer);
        for (var n = 1; n <= 4; n++)
        {
            await WriteAsync(Persistent(A, n, tags: n % 2 == 1 ? ["odd"] : []));
            if (n < 4) await WriteAsync(Persistent(B, n, tags: ["b"]));
        }
    }

    public async Task DisposeAsync()
    {
        await Journal.DisposeAsync();
        await CleanupAsync();
    }

    protected async Task WriteAsync(params Persistent[] events) =>
        Assert.All(await Journal.WriteMessagesAsync([new AtomicWrite(events)]), Assert.Null);

    protected static async Task<List<EventEnvelope>> AllAsync(IAsyncEnumerable<EventEnvelope> query)
    {
        var all = new List<EventEnvelope>();
        await foreach (var e in query) all.Add(e);
        return all;
    }

    protected static string Key(EventEnvelope e) => $"{e.PersistenceId[..1]}{e.SequenceNr}";

    protected static List<string> Keys(IEnumerable<EventEnvelope> events) => events.Select(Key).ToList();

    /// <summary>The next n envelopes of a live query, failing if they do not come within the patience.</summary>
    protected static async Task<List<EventEnvelope>> NextAsync(IAsyncEnumerator<EventEnvelope> live, int n)
    {
        var got = new List<EventEnvelope>();
        var deadline = Task.Delay(Patience);
        while (got.Count < n)
        {
            var next = live.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, deadline) == deadline)
                Assert.Fail($"live query delivered {got.Count} of {n} events within {Patience.TotalSeconds} s: {string.Join(" ", Keys(got))}");
            Assert.True(await next, "a live query ended");
            got.Add(live.Current);
        }
        return got;
    }

    [Fact]
    public async Task Current_events_by_id_deliver_the_range_with_payloads()
    {
        var events = await AllAsync(Query.CurrentEventsByPersistenceId(A, 2, 3));
        Assert.Equal(["a2", "a3"], Keys(events));
        Assert.Equal(3, Assert.IsType<TestEvent>(events[1].Event).Number);
        Assert.Equal(["odd"], events[1].Tags);
        Assert.True(events[0].Offset < events[1].Offset);
    }

    [Fact]
    public async Task Current_events_by_id_page_through_many_events()
    {
        var c = A + "-c";
        await Journal.WriteMessagesAsync([new AtomicWrite(Enumerable.Range(1, 25).Select(n => Persistent(c, n)).ToList())]);
        Assert.Equal(Enumerable.Range(1, 25).Select(n => (long)n), (await AllAsync(Query.CurrentEventsByPersistenceId(c))).Select(e => e.SequenceNr));
    }

    [Fact]
    public async Task Current_events_by_id_skip_deleted_events()
    {
        await Journal.DeleteMessagesToAsync(A, 2);
        Assert.Equal(["a3", "a4"], Keys(await AllAsync(Query.CurrentEventsByPersistenceId(A))));
    }

    [Fact]
    public async Task Current_events_by_tag_come_in_journal_order()
    {
        Assert.Equal(["a1", "a3"], Keys(await AllAsync(Query.CurrentEventsByTag("odd"))));
        Assert.Equal(["b1", "b2", "b3"], Keys(await AllAsync(Query.CurrentEventsByTag("b"))));
        Assert.Empty(await AllAsync(Query.CurrentEventsByTag("no-such-tag")));
    }

    [Fact]
    public async Task Current_events_by_tag_resume_after_an_offset()
    {
        var b = await AllAsync(Query.CurrentEventsByTag("b"));
        Assert.Equal(["b2", "b3"], Keys(await AllAsync(Query.CurrentEventsByTag("b", b[0].Offset))));
    }

    [Fact]
    public async Task Current_all_events_come_in_global_order_and_resume_after_an_offset()
    {
        var all = await AllAsync(Query.CurrentAllEvents());
        Assert.Equal(["a1", "b1", "a2", "b2", "a3", "b3", "a4"], Keys(all));
        Assert.Equal(all.Select(e => e.Offset).Order(), all.Select(e => e.Offset));
        Assert.Equal(["a3", "b3", "a4"], Keys(await AllAsync(Query.CurrentAllEvents(all[3].Offset))));
    }

    [Fact]
    public async Task Current_persistence_ids_list_each_id_once()
    {
        var ids = new List<string>();
        await foreach (var id in Query.CurrentPersistenceIds()) ids.Add(id);
        Assert.Equal([A, B], ids);
    }

    [Fact]
    public async Task Live_all_events_deliver_what_is_stored_then_new_events()
    {
        using var cts = new CancellationTokenSource();
        await using var live = Query.AllEvents(0, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal(["a1", "b1", "a2", "b2", "a3", "b3", "a4"], Keys(await NextAsync(live, 7)));
        await WriteAsync(Persistent(B, 4));
        await WriteAsync(Persistent(A, 5), Persistent(A, 6));
        Assert.Equal(["b4", "a5", "a6"], Keys(await NextAsync(live, 3)));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await live.MoveNextAsync());
    }

    [Fact]
    public async Task Live_events_by_tag_deliver_new_tagged_events_only()
    {
        using var cts = new CancellationTokenSource();
        await using var live = Query.EventsByTag("odd", 0, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.Equal(["a1", "a3"], Keys(await NextAsync(live, 2)));
        await WriteAsync(Persistent(A, 5, tags: ["odd"]), Persistent(A, 6));
        await WriteAsync(Persistent(B, 4, tags: ["odd", "b"]));
        Assert.Equal(["a5", "b4"], Keys(await NextAsync(live, 2)));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Live_events_by_id_end_at_the_upper_bound()
    {
        using var cts = new CancellationTokenSource(Patience);
        var reading = AllAsync(Query.EventsByPersistenceId(B, 2, 5, cts.Token));
        await WriteAsync(Persistent(B, 4));
        await WriteAsync(Persistent(B, 5), Persistent(B, 6));
        Assert.Equal(["b2", "b3", "b4", "b5"], Keys(await reading));
    }
}
