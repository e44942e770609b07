using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;

namespace Stlm.Tests.Actors.Persistence;

public class InMemoryJournalTests
{
    public sealed record Evt(int N);

    static Persistent Event(string id, long seq) => new(new Evt((int)seq), id, seq, "w", []);

    static async Task<InMemoryJournal> JournalWith(string id, int count)
    {
        var journal = new InMemoryJournal(new JsonTestSerializer());
        await journal.WriteMessagesAsync([new AtomicWrite([.. Enumerable.Range(1, count).Select(i => Event(id, i))])]);
        return journal;
    }

    static async Task<long[]> Replay(IJournal journal, string id, long from, long to, long max)
    {
        var seen = new List<long>();
        await journal.ReplayMessagesAsync(id, from, to, max, p => seen.Add(p.SequenceNr));
        return [.. seen];
    }

    [Theory]
    [InlineData(1, long.MaxValue, long.MaxValue, new long[] { 1, 2, 3, 4, 5 })]
    [InlineData(3, long.MaxValue, long.MaxValue, new long[] { 3, 4, 5 })]
    [InlineData(1, 3, long.MaxValue, new long[] { 1, 2, 3 })]
    [InlineData(2, 4, 2, new long[] { 2, 3 })]
    [InlineData(3, 3, long.MaxValue, new long[] { 3 })]
    [InlineData(1, long.MaxValue, 1, new long[] { 1 })]
    [InlineData(1, long.MaxValue, 0, new long[0])]
    [InlineData(4, 2, long.MaxValue, new long[0])]
    public async Task Replay_honours_range_and_count(long from, long to, long max, long[] expected)
    {
        var journal = await JournalWith("p", 5);

        Assert.Equal(expected, await Replay(journal, "p", from, to, max));
    }

    [Fact]
    public async Task Replayed_events_are_deserialized_copies()
    {
        var journal = await JournalWith("p", 1);
        var replayed = new List<Persistent>();

        await journal.ReplayMessagesAsync("p", 1, 1, 1, replayed.Add);

        Assert.Equal(new Evt(1), replayed.Single().Payload);
        Assert.NotEqual(default, replayed.Single().Timestamp);
    }

    [Fact]
    public async Task Nothing_is_written_for_an_unknown_id()
    {
        var journal = new InMemoryJournal();

        Assert.Equal(0, await journal.ReadHighestSequenceNrAsync("nobody", 0));
        Assert.Empty(await Replay(journal, "nobody", 1, long.MaxValue, long.MaxValue));
    }

    [Fact]
    public async Task Deleted_events_are_not_replayed_and_the_highest_sequence_number_stays()
    {
        var journal = await JournalWith("p", 5);

        await journal.DeleteMessagesToAsync("p", 3);
        await journal.DeleteMessagesToAsync("p", 100);

        Assert.Empty(await Replay(journal, "p", 1, long.MaxValue, long.MaxValue));
        Assert.Equal(5, await journal.ReadHighestSequenceNrAsync("p", 0));
    }

    [Fact]
    public async Task Writing_a_sequence_number_twice_is_a_concurrency_error_and_writes_nothing()
    {
        var journal = await JournalWith("p", 2);

        var e = await Assert.ThrowsAsync<JournalConcurrencyException>(() =>
            journal.WriteMessagesAsync([new AtomicWrite([Event("p", 3)]), new AtomicWrite([Event("p", 2)])]));

        Assert.Contains("p#2 was already written", e.Message);
        Assert.Equal(2, await journal.ReadHighestSequenceNrAsync("p", 0));
    }

    [Fact]
    public async Task A_deleted_sequence_number_cannot_be_written_again()
    {
        var journal = await JournalWith("p", 2);
        await journal.DeleteMessagesToAsync("p", 2);

        await Assert.ThrowsAsync<JournalConcurrencyException>(() => journal.WriteMessagesAsync([new AtomicWrite([Event("p", 1)])]));
    }

    [Fact]
    public async Task An_unserializable_write_is_rejected_while_its_batch_mates_are_stored()
    {
        var journal = new InMemoryJournal(new JsonTestSerializer());
        var bad = new Persistent(new Unserializable("socket"), "p", 2, "w", []);

        var results = await journal.WriteMessagesAsync([
            new AtomicWrite([Event("p", 1)]),
            new AtomicWrite([bad, Event("p", 3)]),
            new AtomicWrite([Event("p", 4)]),
        ]);

        Assert.Null(results[0]);
        Assert.IsType<NotSupportedException>(results[1]);
        Assert.Null(results[2]);
        var replayed = await Replay(journal, "p", 1, long.MaxValue, long.MaxValue);
        Assert.Equal(new long[] { 1, 4 }, replayed);
    }
}

public class InMemorySnapshotStoreTests
{
    public sealed record State(string Value);

    static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    static async Task<InMemorySnapshotStore> StoreWith(params long[] sequenceNrs)
    {
        var store = new InMemorySnapshotStore(new JsonTestSerializer());
        foreach (var s in sequenceNrs)
            await store.SaveAsync(new SnapshotMetadata("p", s, T0.AddMinutes(s)), new State($"s{s}"));
        return store;
    }

    [Fact]
    public async Task No_snapshot_for_an_unknown_id()
    {
        var store = await StoreWith(1);

        Assert.Null(await store.LoadAsync("nobody", SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public async Task Load_picks_the_latest_matching_the_criteria()
    {
        var store = await StoreWith(10, 20, 30);

        Assert.Equal(new State("s30"), (await store.LoadAsync("p", SnapshotSelectionCriteria.Latest))!.Snapshot);
        Assert.Equal(20, (await store.LoadAsync("p", new SnapshotSelectionCriteria(MaxSequenceNr: 25)))!.Metadata.SequenceNr);
        Assert.Equal(10, (await store.LoadAsync("p", new SnapshotSelectionCriteria(MaxTimestamp: T0.AddMinutes(15))))!.Metadata.SequenceNr);
        Assert.Null(await store.LoadAsync("p", SnapshotSelectionCriteria.None));
    }

    [Fact]
    public async Task A_save_at_the_same_sequence_number_overwrites()
    {
        var store = await StoreWith(10);

        await store.SaveAsync(new SnapshotMetadata("p", 10, T0), new State("again"));

        Assert.Equal(new State("again"), (await store.LoadAsync("p", SnapshotSelectionCriteria.Latest))!.Snapshot);
    }

    [Fact]
    public async Task Delete_one_and_delete_by_criteria()
    {
        var store = await StoreWith(10, 20, 30);

        await store.DeleteAsync(new SnapshotMetadata("p", 30));
        Assert.Equal(20, (await store.LoadAsync("p", SnapshotSelectionCriteria.Latest))!.Metadata.SequenceNr);

        await store.DeleteAsync("p", new SnapshotSelectionCriteria(MaxSequenceNr: 20));
        Assert.Null(await store.LoadAsync("p", SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public async Task An_unserializable_snapshot_fails_the_save()
    {
        var store = await StoreWith();

        await Assert.ThrowsAsync<NotSupportedException>(() => store.SaveAsync(new SnapshotMetadata("p", 1), new Unserializable("handle")));
    }
}
