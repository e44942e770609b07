using Stlm.Actors.Persistence;
using Stlm.Tests.Persistence.Protos;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>
/// The journal conformance suite (Akka.Persistence TCK's JournalSpec behaviours). Run it against
/// any IJournal by deriving a class that creates one; each test starts with events 1..5 of Pid.
/// </summary>
public abstract class JournalSpec : IAsyncLifetime
{
    protected readonly string Pid = "run-" + Guid.NewGuid().ToString("N")[..8];
    protected IJournal Journal { get; private set; } = null!;

    /// <summary>A fresh, empty journal using the given serializer.</summary>
    protected abstract Task<IJournal> CreateJournalAsync(IPayloadSerializer serializer);

    /// <summary>Releases what CreateJournalAsync set up (after the journal is disposed).</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        Journal = await CreateJournalAsync(Serializer);
        var results = await Journal.WriteMessagesAsync(Enumerable.Range(1, 5).Select(n => Write(Persistent(Pid, n))).ToList());
        Assert.All(results, Assert.Null);
    }

    public async Task DisposeAsync()
    {
        await Journal.DisposeAsync();
        await CleanupAsync();
    }

    protected async Task<List<long>> ReplayAsync(long from = 1, long to = long.MaxValue, long max = long.MaxValue, string? pid = null)
    {
        var seen = new List<long>();
        await Journal.ReplayMessagesAsync(pid ?? Pid, from, to, max, p => seen.Add(p.SequenceNr));
        return seen;
    }

    [Fact]
    public async Task Replay_delivers_all_events_in_order() => Assert.Equal([1, 2, 3, 4, 5], await ReplayAsync());

    [Fact]
    public async Task Replay_with_lower_bound_starts_there() => Assert.Equal([3, 4, 5], await ReplayAsync(from: 3));

    [Fact]
    public async Task Replay_with_upper_bound_stops_there() => Assert.Equal([1, 2, 3], await ReplayAsync(to: 3));

    [Fact]
    public async Task Replay_with_count_limit_stops_after_that_many() => Assert.Equal([1, 2, 3], await ReplayAsync(max: 3));

    [Fact]
    public async Task Replay_with_lower_and_upper_bound_delivers_the_range() => Assert.Equal([2, 3], await ReplayAsync(2, 3));

    [Fact]
    public async Task Replay_with_bounds_and_count_limit_takes_the_first_of_the_range() =>
        Assert.Equal([2, 3], await ReplayAsync(2, 5, 2));

    [Fact]
    public async Task Replay_with_lower_equal_to_upper_delivers_one_event() => Assert.Equal([2], await ReplayAsync(2, 2));

    [Fact]
    public async Task Replay_with_count_one_delivers_one_event() => Assert.Equal([1], await ReplayAsync(max: 1));

    [Fact]
    public async Task Replay_with_count_zero_delivers_nothing() => Assert.Empty(await ReplayAsync(max: 0));

    [Fact]
    public async Task Replay_with_lower_above_upper_delivers_nothing() => Assert.Empty(await ReplayAsync(3, 2));

    [Fact]
    public async Task Nothing_written_means_no_events_and_highest_zero()
    {
        Assert.Empty(await ReplayAsync(pid: "never-written"));
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync("never-written", 0));
    }

    [Fact]
    public async Task Highest_sequence_number_is_the_last_written() =>
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid, 0));

    [Fact]
    public async Task Deleted_events_are_not_replayed()
    {
        await Journal.DeleteMessagesToAsync(Pid, 3);
        Assert.Equal([4, 5], await ReplayAsync());
    }

    [Fact]
    public async Task Highest_sequence_number_is_kept_after_deletion()
    {
        await Journal.DeleteMessagesToAsync(Pid, 5);
        Assert.Empty(await ReplayAsync());
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid, 0));
    }

    [Fact]
    public async Task Highest_sequence_number_is_kept_after_deleting_beyond_the_end()
    {
        await Journal.DeleteMessagesToAsync(Pid, long.MaxValue);
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid, 0));
        await Journal.DeleteMessagesToAsync(Pid, 2);
        Assert.Equal(5, await Journal.ReadHighestSequenceNrAsync(Pid, 0));
    }

    [Fact]
    public async Task Writing_after_deletion_continues_the_sequence()
    {
        await Journal.DeleteMessagesToAsync(Pid, 5);
        Assert.All(await Journal.WriteMessagesAsync([Write(Persistent(Pid, 6))]), Assert.Null);
        Assert.Equal([6], await ReplayAsync());
        Assert.Equal(6, await Journal.ReadHighestSequenceNrAsync(Pid, 0));
    }

    [Fact]
    public async Task Events_round_trip_through_the_serializer()
    {
        var sent = Event(6, "ünïcode ✓") ;
        sent.Blob = Google.Protobuf.ByteString.CopyFrom([0, 255, 1, 254]);
        await Journal.WriteMessagesAsync([Write(Persistent(Pid, 6, sent, writer: "w-42"))]);
        Persistent? back = null;
        await Journal.ReplayMessagesAsync(Pid, 6, 6, 1, p => back = p);
        Assert.NotNull(back);
        Assert.Equal(sent, Assert.IsType<TestEvent>(back.Payload));
        Assert.NotSame(sent, back.Payload);
        Assert.Equal("w-42", back.WriterUuid);
        Assert.Equal(Pid, back.PersistenceId);
        Assert.InRange(back.Timestamp, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task Strings_and_bytes_round_trip_too()
    {
        await Journal.WriteMessagesAsync([Write(Persistent(Pid, 6, "plain text")), Write(Persistent(Pid, 7, new byte[] { 1, 2, 3 }))]);
        var back = new List<object>();
        await Journal.ReplayMessagesAsync(Pid, 6, 7, 10, p => back.Add(p.Payload));
        Assert.Equal("plain text", back[0]);
        Assert.Equal(new byte[] { 1, 2, 3 }, back[1]);
    }

    [Fact]
    public async Task An_unserializable_event_is_rejected_while_its_batch_mates_are_written()
    {
        var results = await Journal.WriteMessagesAsync([
            Write(Persistent(Pid, 6)),
            Write(Persistent(Pid, 7, new NotSerializable(7))),
            Write(Persistent(Pid, 8)),
        ]);
        Assert.Null(results[0]);
        Assert.NotNull(results[1]);
        Assert.Null(results[2]);
        Assert.Equal([6, 8], await ReplayAsync(from: 6));
    }

    [Fact]
    public async Task An_atomic_write_with_one_unserializable_event_is_rejected_whole()
    {
        var results = await Journal.WriteMessagesAsync([Write(Persistent(Pid, 6), Persistent(Pid, 7, new NotSerializable(7)))]);
        Assert.NotNull(results[0]);
        Assert.Empty(await ReplayAsync(from: 6));
    }

    [Fact]
    public async Task A_second_writer_of_a_sequence_number_gets_a_concurrency_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<JournalConcurrencyException>(() =>
            Journal.WriteMessagesAsync([Write(Persistent(Pid, 3, Event(333), writer: "intruder"))]));
        Assert.Equal(Pid, error.PersistenceId);
        Assert.Equal(3, error.SequenceNr);
        Assert.Contains($"{Pid}#3", error.Message);
        var kept = new List<Persistent>();
        await Journal.ReplayMessagesAsync(Pid, 3, 3, 1, kept.Add);
        Assert.Equal(3, Assert.IsType<TestEvent>(Assert.Single(kept).Payload).Number);
    }

    [Fact]
    public async Task A_failed_batch_stores_none_of_its_writes()
    {
        var other = Pid + "-other";
        await Assert.ThrowsAsync<JournalConcurrencyException>(() =>
            Journal.WriteMessagesAsync([Write(Persistent(other, 1)), Write(Persistent(Pid, 5))]));
        Assert.Empty(await ReplayAsync(pid: other));
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync(other, 0));
    }

    [Fact]
    public async Task The_same_sequence_number_twice_in_one_batch_is_a_concurrency_error()
    {
        var other = Pid + "-twice";
        var error = await Assert.ThrowsAsync<JournalConcurrencyException>(() =>
            Journal.WriteMessagesAsync([Write(Persistent(other, 1)), Write(Persistent(other, 1))]));
        Assert.Equal(other, error.PersistenceId);
        Assert.Equal(1, error.SequenceNr);
    }

    [Fact]
    public async Task Many_writes_in_one_batch_replay_in_order()
    {
        var other = Pid + "-many";
        var writes = Enumerable.Range(0, 150).Select(w => Write(Enumerable.Range(1, 7)
            .Select(i => Persistent(other, w * 7 + i, tags: w % 2 == 0 ? ["even"] : [])).ToArray())).ToList();
        Assert.All(await Journal.WriteMessagesAsync(writes), Assert.Null);
        Assert.Equal(Enumerable.Range(1, 1050).Select(n => (long)n), await ReplayAsync(pid: other));
        Assert.Equal(1050, await Journal.ReadHighestSequenceNrAsync(other, 0));
    }

    [Fact]
    public async Task Ids_do_not_see_each_others_events()
    {
        var other = Pid + "-x";
        await Journal.WriteMessagesAsync([Write(Persistent(other, 1), Persistent(other, 2))]);
        Assert.Equal([1, 2], await ReplayAsync(pid: other));
        Assert.Equal([1, 2, 3, 4, 5], await ReplayAsync());
        Assert.Equal(2, await Journal.ReadHighestSequenceNrAsync(other, 0));
    }
}
