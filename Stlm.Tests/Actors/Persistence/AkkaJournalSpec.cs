using Akka.Actor;
using Akka.Persistence;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Persistence;

/// <summary>
/// What Stlm relies on from Akka.Persistence.Sql, on each engine it runs on (the behaviours of
/// Akka's journal and snapshot-store TCK that the run actors use): order and atomicity of
/// writes, recovery after a restart (a new actor system on the same database), snapshots,
/// deletions, the (persistence id, sequence number) key as the last guard against
/// two writers, and the read journal's queries by persistence id. Derive a class with the
/// database to run them on another engine.
/// </summary>
public abstract class AkkaJournalSpec : IAsyncLifetime
{
    SqlTestDatabase _db = null!;
    JournalStore _store = null!;
    TestKit _kit = null!;

    protected abstract SqlTestDatabase CreateDatabase();

    public Task InitializeAsync()
    {
        _db = CreateDatabase();
        _store = JournalStore.Open(_db.CreateDialect());
        _kit = new TestKit(_store.AkkaConfig, "spec");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _kit.Shutdown();
        await _store.DisposeAsync();
        await _db.DisposeAsync();
    }

    sealed record Write(IReadOnlyList<object> Events);

    sealed record Written(long LastSequenceNr);

    sealed record Snap;

    sealed record DeleteTo(long SequenceNr);

    sealed record Get;

    sealed record Got(IReadOnlyList<long> Steps, long LastSequenceNr, long? FromSnapshotAt);

    /// <summary>Persists StepCompleted events; its state is the steps it has (snapshots carry them as losses).</summary>
    sealed class Steps : ReceivePersistentActor
    {
        readonly List<long> _steps = [];
        long? _fromSnapshot;

        readonly IActorRef? _reporter;

        public Steps(string id, IActorRef? reporter = null)
        {
            PersistenceId = id;
            _reporter = reporter;
            Recover<SnapshotOffer>(o =>
            {
                _fromSnapshot = o.Metadata.SequenceNr;
                _steps.AddRange(((RunSnapshot)o.Snapshot).Losses.Select(l => (long)l));
            });
            Recover<StepCompleted>(s => _steps.Add(s.Step));
            Command<Write>(w =>
            {
                var sender = Sender;
                var left = w.Events.Count;
                PersistAll(w.Events, e =>
                {
                    if (e is StepCompleted s) _steps.Add(s.Step);
                    if (--left == 0) sender.Tell(new Written(LastSequenceNr));
                });
            });
            Command<Snap>(_ => SaveSnapshot(new RunSnapshot { Losses = [.. _steps.Select(s => (double)s)] }));
            Command<SaveSnapshotSuccess>(s => reporter?.Tell(s));
            Command<DeleteTo>(d => DeleteMessages(d.SequenceNr));
            Command<DeleteMessagesSuccess>(s => reporter?.Tell(s));
            Command<Get>(_ => Sender.Tell(new Got([.. _steps], LastSequenceNr, _fromSnapshot)));
        }

        public override string PersistenceId { get; }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
        {
            _reporter?.Tell(new Status.Failure(cause));
            base.OnPersistRejected(cause, @event, sequenceNr);
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _reporter?.Tell(new Status.Failure(cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }
    }

    static StepCompleted Step(long n) => new() { Step = n, Loss = 1.0 / n, Cursor = new DataCursor { Position = n } };

    static object[] StepsFrom(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(n => (object)Step(n))];

    IActorRef Spawn(ActorSystem system, string id, IActorRef? reporter = null) => system.ActorOf(Props.Create(() => new Steps(id, reporter)));

    static async Task<Got> GetAsync(IActorRef actor) => await actor.Ask<Got>(new Get(), TimeSpan.FromSeconds(30));

    /// <summary>A second actor system on the same database: what a restarted process sees.</summary>
    async Task<T> InAnotherSystem<T>(Func<ActorSystem, Task<T>> use)
    {
        var system = _store.CreateSystem("restarted");
        try
        {
            return await use(system);
        }
        finally
        {
            await system.TerminateWithin();
        }
    }

    [Fact]
    public async Task Events_come_back_in_order_after_a_restart_with_dense_sequence_numbers()
    {
        var actor = Spawn(_kit.Sys, "p-1");
        Assert.Equal(3, (await actor.Ask<Written>(new Write(StepsFrom(1, 3)), TimeSpan.FromSeconds(30))).LastSequenceNr);
        Assert.Equal(5, (await actor.Ask<Written>(new Write(StepsFrom(4, 5)), TimeSpan.FromSeconds(30))).LastSequenceNr);

        var recovered = await InAnotherSystem(s => GetAsync(Spawn(s, "p-1")));
        Assert.Equal([1L, 2, 3, 4, 5], recovered.Steps);
        Assert.Equal(5, recovered.LastSequenceNr);
        Assert.Null(recovered.FromSnapshotAt);
    }

    [Fact]
    public async Task Recovery_starts_from_the_newest_snapshot_and_replays_only_the_tail()
    {
        var probe = _kit.CreateTestProbe();
        var actor = Spawn(_kit.Sys, "p-2", probe);
        await actor.Ask<Written>(new Write(StepsFrom(1, 4)), TimeSpan.FromSeconds(30));
        actor.Tell(new Snap());
        Assert.Equal(4, probe.ExpectMsg<SaveSnapshotSuccess>(TimeSpan.FromSeconds(30)).Metadata.SequenceNr);
        await actor.Ask<Written>(new Write(StepsFrom(5, 6)), TimeSpan.FromSeconds(30));

        var recovered = await InAnotherSystem(s => GetAsync(Spawn(s, "p-2")));
        Assert.Equal(4, recovered.FromSnapshotAt);
        Assert.Equal([1L, 2, 3, 4, 5, 6], recovered.Steps);
        Assert.Equal(4, (await _store.Query.LatestSnapshotAsync("p-2"))!.Metadata.SequenceNr);
    }

    [Fact]
    public async Task A_deletion_hides_the_events_but_never_lowers_the_sequence_number()
    {
        var probe = _kit.CreateTestProbe();
        var actor = Spawn(_kit.Sys, "p-3", probe);
        await actor.Ask<Written>(new Write(StepsFrom(1, 3)), TimeSpan.FromSeconds(30));
        actor.Tell(new DeleteTo(3));
        probe.ExpectMsg<DeleteMessagesSuccess>(TimeSpan.FromSeconds(30));

        var recovered = await InAnotherSystem(async s =>
        {
            var again = Spawn(s, "p-3");
            var got = await GetAsync(again);
            await again.Ask<Written>(new Write(StepsFrom(4, 4)), TimeSpan.FromSeconds(30));
            return (got, await GetAsync(again));
        });
        Assert.Empty(recovered.got.Steps);
        Assert.Equal(3, recovered.got.LastSequenceNr);
        Assert.Equal(4, recovered.Item2.LastSequenceNr);
    }

    [Fact]
    public async Task Of_two_writers_of_one_persistence_id_the_one_that_writes_second_fails_and_stops()
    {
        var probe = _kit.CreateTestProbe();
        var first = Spawn(_kit.Sys, "p-5");
        await first.Ask<Written>(new Write(StepsFrom(1, 1)), TimeSpan.FromSeconds(30));
        await InAnotherSystem(async s =>
        {
            var second = Spawn(s, "p-5", probe);
            await GetAsync(second); // recovered: both now believe the next number is 2
            await first.Ask<Written>(new Write(StepsFrom(2, 2)), TimeSpan.FromSeconds(30));
            probe.Watch(second);
            second.Tell(new Write(StepsFrom(2, 2)));
            probe.ExpectMsg<Status.Failure>(TimeSpan.FromSeconds(30));
            probe.ExpectTerminated(second, TimeSpan.FromSeconds(30));
            return 0;
        });
        Assert.Equal(2, await _store.Query.HighestSequenceNrAsync("p-5"));
    }

    [Fact]
    public async Task The_read_journal_lists_ids_and_reads_ranges_and_a_live_query_sees_later_events()
    {
        var a = Spawn(_kit.Sys, "q-a");
        var b = Spawn(_kit.Sys, "q-b");
        await a.Ask<Written>(new Write(StepsFrom(1, 5)), TimeSpan.FromSeconds(30));
        await b.Ask<Written>(new Write(StepsFrom(1, 1)), TimeSpan.FromSeconds(30));

        var ids = new List<string>();
        await foreach (var id in _store.Query.CurrentPersistenceIds()) ids.Add(id);
        Assert.Equal(["q-a", "q-b"], ids.Order(StringComparer.Ordinal));
        var range = new List<long>();
        await foreach (var e in _store.Query.CurrentEventsByPersistenceId("q-a", 2, 4)) range.Add(((StepCompleted)e.Event).Step);
        Assert.Equal([2L, 3, 4], range);

        var live = _store.Query.ReadJournal.EventsByPersistenceId("q-b", 0, long.MaxValue)
            .RunAsAsyncEnumerable(Akka.Streams.ActorMaterializer.Create(_store.Query.System));
        await using var next = live.GetAsyncEnumerator();
        Assert.True(await next.MoveNextAsync());
        var later = next.MoveNextAsync().AsTask();
        await b.Ask<Written>(new Write(StepsFrom(2, 2)), TimeSpan.FromSeconds(30));
        Assert.True(await later.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, ((StepCompleted)next.Current.Event).Step);
    }
}

public sealed class SqliteAkkaJournalTests : AkkaJournalSpec
{
    protected override SqlTestDatabase CreateDatabase() => new SqliteTestDatabase();
}

public sealed class PostgresAkkaJournalTests : AkkaJournalSpec
{
    protected override SqlTestDatabase CreateDatabase() => new PostgresTestDatabase();
}
