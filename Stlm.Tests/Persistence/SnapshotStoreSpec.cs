using Google.Protobuf;
using Stlm.Actors.Persistence;
using Stlm.Tests.Persistence.Protos;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>
/// The snapshot store conformance suite (Akka.Persistence TCK's SnapshotStoreSpec behaviours).
/// Each test starts with snapshots at sequence numbers 10, 20, 30, 40 one minute apart.
/// </summary>
public abstract class SnapshotStoreSpec : IAsyncLifetime
{
    protected readonly string Pid = "run-" + Guid.NewGuid().ToString("N")[..8];
    static readonly DateTime T0 = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    protected ISnapshotStore Store { get; private set; } = null!;

    protected abstract Task<ISnapshotStore> CreateStoreAsync(IPayloadSerializer serializer);

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    static DateTime At(long sequenceNr) => T0.AddMinutes(sequenceNr);

    static TestSnapshot State(long step) => new() { Step = step, State = ByteString.CopyFromUtf8($"state at {step}") };

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync(Serializer);
        foreach (var seq in new long[] { 10, 20, 30, 40 })
            await Store.SaveAsync(new SnapshotMetadata(Pid, seq, At(seq)), State(seq));
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await CleanupAsync();
    }

    async Task<long?> LatestAsync(SnapshotSelectionCriteria criteria) =>
        (await Store.LoadAsync(Pid, criteria))?.Metadata.SequenceNr;

    [Fact]
    public async Task An_unknown_id_has_no_snapshot() =>
        Assert.Null(await Store.LoadAsync("never-saved", SnapshotSelectionCriteria.Latest));

    [Fact]
    public async Task Load_gives_the_latest_snapshot_with_its_metadata()
    {
        var loaded = await Store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest);
        Assert.NotNull(loaded);
        Assert.Equal(new SnapshotMetadata(Pid, 40, At(40)), loaded.Metadata);
        Assert.Equal(State(40), Assert.IsType<TestSnapshot>(loaded.Snapshot));
    }

    [Fact]
    public async Task Load_under_a_sequence_bound_gives_the_youngest_below_it()
    {
        Assert.Equal(30, await LatestAsync(new(MaxSequenceNr: 35)));
        Assert.Equal(20, await LatestAsync(new(MaxSequenceNr: 20)));
    }

    [Fact]
    public async Task Load_under_a_timestamp_bound_gives_the_youngest_before_it()
    {
        Assert.Equal(20, await LatestAsync(new(MaxTimestamp: At(25))));
        Assert.Equal(30, await LatestAsync(new(MaxTimestamp: At(30))));
    }

    [Fact]
    public async Task Load_under_both_bounds_honours_the_tighter()
    {
        Assert.Equal(20, await LatestAsync(new(MaxSequenceNr: 35, MaxTimestamp: At(25))));
        Assert.Equal(10, await LatestAsync(new(MaxSequenceNr: 15, MaxTimestamp: At(35))));
    }

    [Fact]
    public async Task Load_above_lower_bounds_finds_nothing_older()
    {
        Assert.Null(await LatestAsync(new(MaxSequenceNr: 25, MinSequenceNr: 21)));
        Assert.Equal(40, await LatestAsync(new(MinTimestamp: At(40))));
    }

    [Fact]
    public async Task Criteria_none_selects_nothing() => Assert.Null(await LatestAsync(SnapshotSelectionCriteria.None));

    [Fact]
    public async Task Deleting_one_snapshot_leaves_the_others()
    {
        await Store.DeleteAsync(new SnapshotMetadata(Pid, 40));
        Assert.Equal(30, await LatestAsync(SnapshotSelectionCriteria.Latest));
        Assert.Equal(20, await LatestAsync(new(MaxSequenceNr: 25)));
    }

    [Fact]
    public async Task Deleting_by_criteria_removes_just_the_selected()
    {
        await Store.DeleteAsync(Pid, new SnapshotSelectionCriteria(MaxSequenceNr: 30));
        Assert.Equal(40, await LatestAsync(SnapshotSelectionCriteria.Latest));
        Assert.Null(await LatestAsync(new(MaxSequenceNr: 39)));
    }

    [Fact]
    public async Task Deleting_by_timestamp_criteria_removes_the_older()
    {
        await Store.DeleteAsync(Pid, new SnapshotSelectionCriteria(MaxTimestamp: At(20)));
        Assert.Equal(30, await LatestAsync(new(MaxSequenceNr: 35)));
        Assert.Null(await LatestAsync(new(MaxSequenceNr: 25)));
    }

    [Fact]
    public async Task Saving_at_the_same_sequence_number_overwrites()
    {
        await Store.SaveAsync(new SnapshotMetadata(Pid, 40, At(41)), State(4040));
        var loaded = await Store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest);
        Assert.Equal(4040, Assert.IsType<TestSnapshot>(loaded!.Snapshot).Step);
        Assert.Equal(At(41), loaded.Metadata.Timestamp);
    }

    [Fact]
    public async Task Other_ids_keep_their_own_snapshots()
    {
        await Store.SaveAsync(new SnapshotMetadata(Pid + "-b", 5), State(5));
        await Store.DeleteAsync(Pid, new SnapshotSelectionCriteria());
        Assert.Null(await LatestAsync(SnapshotSelectionCriteria.Latest));
        Assert.Equal(5, (await Store.LoadAsync(Pid + "-b", SnapshotSelectionCriteria.Latest))?.Metadata.SequenceNr);
    }

    [Fact]
    public async Task A_big_snapshot_round_trips()
    {
        var bytes = new byte[10 * 1024 * 1024];
        new Random(7).NextBytes(bytes);
        var big = new TestSnapshot { Step = 50, State = ByteString.CopyFrom(bytes) };
        await Store.SaveAsync(new SnapshotMetadata(Pid, 50), big);
        var loaded = await Store.LoadAsync(Pid, SnapshotSelectionCriteria.Latest);
        Assert.Equal(50, loaded!.Metadata.SequenceNr);
        Assert.True(bytes.AsSpan().SequenceEqual(Assert.IsType<TestSnapshot>(loaded.Snapshot).State.Span));
    }

    [Fact]
    public async Task An_unserializable_snapshot_is_refused()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => Store.SaveAsync(new SnapshotMetadata(Pid, 60), new NotSerializable(1)));
        Assert.Equal(40, await LatestAsync(SnapshotSelectionCriteria.Latest));
    }
}
