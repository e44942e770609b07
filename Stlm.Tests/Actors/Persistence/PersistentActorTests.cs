using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;
using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors.Persistence;

public class PersistentActorTests : ActorTest
{
    public sealed record Added(int N);
    public sealed record Add(int N);
    public sealed record AddMany(int[] Ns);
    public sealed record AddAsync(int N);
    public sealed record AddBad;
    public sealed record TakeSnapshot;
    public sealed record DeleteUpTo(long SequenceNr);
    public sealed record Get;
    public sealed record Boom;
    public sealed record Summary(int Sum, long LastSequenceNr);

    readonly ControlledJournal _journal = ControlledJournal.Create();
    readonly InMemorySnapshotStore _snapshots = new(new JsonTestSerializer());

    public PersistentActorTests() => System.UsePersistence(_journal, _snapshots);

    /// <summary>Sums numbers; tells the probe everything recovery and the callbacks show it.</summary>
    sealed class Summer(string id, IActorRef probe) : PersistentActor
    {
        int _sum;
        IActorRef? _snapshotRequester;

        public override string PersistenceId => id;

        protected override bool ReceiveRecover(object message)
        {
            switch (message)
            {
                case SnapshotOffer offer:
                    _sum = (int)offer.Snapshot;
                    probe.Tell($"offer@{offer.Metadata.SequenceNr}={_sum}", Self);
                    break;
                case Added added:
                    _sum += added.N;
                    probe.Tell($"replay {added.N}@{LastSequenceNr}", Self);
                    break;
                case RecoveryCompleted:
                    probe.Tell($"recovered sum={_sum} last={LastSequenceNr}", Self);
                    break;
            }
            return true;
        }

        protected override bool ReceiveCommand(object message)
        {
            switch (message)
            {
                case Add add:
                    Persist(new Added(add.N), e =>
                    {
                        _sum += e.N;
                        Sender.Tell(new Summary(_sum, LastSequenceNr));
                    });
                    return true;
                case AddMany many:
                    PersistAll(many.Ns.Select(n => new Added(n)), e =>
                    {
                        _sum += e.N;
                        Sender.Tell(new Summary(_sum, LastSequenceNr));
                    });
                    return true;
                case AddAsync add:
                    PersistAsync(new Added(add.N), e =>
                    {
                        _sum += e.N;
                        probe.Tell($"async handler {e.N}", Self);
                    });
                    Sender.Tell("accepted");
                    return true;
                case AddBad:
                    Persist(new Unserializable("bad"), _ => probe.Tell("handler of a rejected event ran", Self));
                    return true;
                case TakeSnapshot:
                    _snapshotRequester = Sender;
                    SaveSnapshot(_sum);
                    return true;
                case SaveSnapshotSuccess success:
                    _snapshotRequester?.Tell(success.Metadata.SequenceNr);
                    return true;
                case DeleteUpTo delete:
                    _snapshotRequester = Sender;
                    DeleteMessages(delete.SequenceNr);
                    return true;
                case DeleteMessagesSuccess deleted:
                    _snapshotRequester?.Tell(deleted);
                    return true;
                case DeleteMessagesFailure failed:
                    _snapshotRequester?.Tell(failed);
                    return true;
                case Get:
                    Sender.Tell(new Summary(_sum, LastSequenceNr));
                    return true;
                case Boom:
                    _sum = -1000;
                    throw new InvalidOperationException("command handler crashed");
            }
            return false;
        }

        protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
            probe.Tell($"rejected {@event.GetType().Name}@{sequenceNr}", Self);

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
            probe.Tell($"failed {@event.GetType().Name}@{sequenceNr}: {cause.Message}", Self);

        protected override void OnRecoveryFailure(Exception reason, object? message) =>
            probe.Tell($"recovery failed: {reason.Message}", Self);
    }

    async Task<(IActorRef Actor, TestProbe Probe)> Start(string id, string? expectRecovery = null)
    {
        var probe = CreateProbe();
        var actor = System.ActorOf(Props.Create(() => new Summer(id, probe.Ref)));
        if (expectRecovery is not null)
            Assert.Equal(expectRecovery, await probe.ExpectMsg<string>());
        return (actor, probe);
    }

    async Task Crash(IActorRef actor)
    {
        var watcher = CreateProbe();
        await watcher.Watch(actor);
        System.Stop(actor);
        await watcher.ExpectMsg<Terminated>();
    }

    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task RecoveryCompleted_is_delivered_when_nothing_was_written()
    {
        var (actor, _) = await Start("empty", "recovered sum=0 last=0");

        Assert.Equal(new Summary(0, 0), await actor.Ask<Summary>(new Get(), Timeout));
    }

    [Fact]
    public async Task A_new_incarnation_recovers_from_the_snapshot_then_the_later_events()
    {
        var (actor, _) = await Start("summer", "recovered sum=0 last=0");
        foreach (var n in new[] { 1, 2, 3 })
            await actor.Ask<Summary>(new Add(n), Timeout);
        Assert.Equal(3L, await actor.Ask<long>(new TakeSnapshot(), Timeout));
        await actor.Ask<Summary>(new Add(10), Timeout);
        Assert.Equal(new Summary(26, 5), await actor.Ask<Summary>(new Add(10), Timeout));

        await Crash(actor);
        var (again, probe) = await Start("summer");

        Assert.Equal("offer@3=6", await probe.ExpectMsg<string>());
        Assert.Equal("replay 10@4", await probe.ExpectMsg<string>());
        Assert.Equal("replay 10@5", await probe.ExpectMsg<string>());
        Assert.Equal("recovered sum=26 last=5", await probe.ExpectMsg<string>());
        Assert.Equal(new Summary(27, 6), await again.Ask<Summary>(new Add(1), Timeout));
    }

    [Fact]
    public async Task Commands_sent_during_recovery_wait_for_it()
    {
        var (actor, _) = await Start("early", "recovered sum=0 last=0");
        await actor.Ask<Summary>(new Add(5), Timeout);
        await Crash(actor);

        var probe = CreateProbe();
        var again = System.ActorOf(Props.Create(() => new Summer("early", probe.Ref)));
        var answer = again.Ask<Summary>(new Get(), Timeout);

        Assert.Equal(new Summary(5, 1), await answer);
    }

    [Fact]
    public async Task Commands_arriving_during_a_persist_wait_until_its_handler_has_run()
    {
        var (actor, _) = await Start("stash", "recovered sum=0 last=0");
        var requester = CreateProbe();
        _journal.HoldWrites = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        requester.Send(actor, new Add(7));
        requester.Send(actor, new Get());
        await requester.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var hold = _journal.HoldWrites;
        _journal.HoldWrites = null;
        hold.SetResult();

        Assert.Equal(new Summary(7, 1), await requester.ExpectMsg<Summary>());
        Assert.Equal(new Summary(7, 1), await requester.ExpectMsg<Summary>());
    }

    [Fact]
    public async Task PersistAll_runs_the_handlers_in_order_after_one_atomic_write()
    {
        var (actor, _) = await Start("all", "recovered sum=0 last=0");
        var requester = CreateProbe();

        requester.Send(actor, new AddMany([1, 2, 3]));

        Assert.Equal(new Summary(1, 1), await requester.ExpectMsg<Summary>());
        Assert.Equal(new Summary(3, 2), await requester.ExpectMsg<Summary>());
        Assert.Equal(new Summary(6, 3), await requester.ExpectMsg<Summary>());
    }

    [Fact]
    public async Task PersistAsync_lets_commands_through_while_the_write_is_in_flight()
    {
        var (actor, probe) = await Start("async", "recovered sum=0 last=0");
        _journal.HoldWrites = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.Equal("accepted", await actor.Ask<string>(new AddAsync(4), Timeout));
        Assert.Equal(new Summary(0, 0), await actor.Ask<Summary>(new Get(), Timeout));
        var hold = _journal.HoldWrites;
        _journal.HoldWrites = null;
        hold.SetResult();

        Assert.Equal("async handler 4", await probe.ExpectMsg<string>());
        Assert.Equal(new Summary(4, 1), await actor.Ask<Summary>(new Get(), Timeout));
    }

    [Fact]
    public async Task A_rejected_event_is_reported_and_the_actor_goes_on()
    {
        var (actor, probe) = await Start("reject", "recovered sum=0 last=0");
        await actor.Ask<Summary>(new Add(1), Timeout);

        actor.Tell(new AddBad(), null);

        Assert.Equal("rejected Unserializable@2", await probe.ExpectMsg<string>());
        Assert.Equal(new Summary(3, 3), await actor.Ask<Summary>(new Add(2), Timeout));
        await Crash(actor);
        var (_, again) = await Start("reject");
        Assert.Equal("replay 1@1", await again.ExpectMsg<string>());
        Assert.Equal("replay 2@3", await again.ExpectMsg<string>());
        Assert.Equal("recovered sum=3 last=3", await again.ExpectMsg<string>());
    }

    [Fact]
    public async Task A_failed_write_is_reported_and_stops_the_actor()
    {
        var (actor, probe) = await Start("fail", "recovered sum=0 last=0");
        var watcher = CreateProbe();
        await watcher.Watch(actor);
        _journal.FailWrites = new IOException("disk gone");

        actor.Tell(new Add(1), null);

        Assert.Equal("failed Added@1: disk gone", await probe.ExpectMsg<string>());
        await watcher.ExpectMsg<Terminated>();
    }

    [Fact]
    public async Task A_failed_recovery_is_reported_and_stops_the_actor()
    {
        _journal.FailReplays = new IOException("corrupt journal");
        await _journal.WriteMessagesAsync([new AtomicWrite([new Persistent(new Added(1), "broken", 1, "w", [])])]);
        var probe = CreateProbe();
        var actor = System.ActorOf(Props.Create(() => new Summer("broken", probe.Ref)));
        var watcher = CreateProbe();
        await watcher.Watch(actor);

        Assert.Equal("recovery failed: corrupt journal", await probe.ExpectMsg<string>());
        await watcher.ExpectMsg<Terminated>();
    }

    [Fact]
    public async Task Two_writers_of_one_persistence_id_cannot_both_win()
    {
        var (first, _) = await Start("shared", "recovered sum=0 last=0");
        var (second, secondProbe) = await Start("shared", "recovered sum=0 last=0");
        await first.Ask<Summary>(new Add(1), Timeout);

        second.Tell(new Add(2), null);

        Assert.StartsWith("failed Added@1: journal event shared#1 was already written", await secondProbe.ExpectMsg<string>());
    }

    [Fact]
    public async Task Deleting_messages_keeps_the_highest_sequence_number()
    {
        var (actor, _) = await Start("delete", "recovered sum=0 last=0");
        foreach (var n in new[] { 1, 2, 3 })
            await actor.Ask<Summary>(new Add(n), Timeout);

        Assert.Equal(new DeleteMessagesSuccess(3), await actor.Ask<DeleteMessagesSuccess>(new DeleteUpTo(long.MaxValue), Timeout));
        Assert.IsType<DeleteMessagesFailure>(await actor.Ask<object>(new DeleteUpTo(10), Timeout));
        await Crash(actor);

        var (again, _) = await Start("delete", "recovered sum=0 last=3");
        Assert.Equal(new Summary(4, 4), await again.Ask<Summary>(new Add(4), Timeout));
    }

    [Fact]
    public async Task A_restarted_persistent_actor_recovers_its_state_from_the_journal()
    {
        var (actor, probe) = await Start("restart", "recovered sum=0 last=0");
        await actor.Ask<Summary>(new Add(3), Timeout);
        await actor.Ask<Summary>(new Add(4), Timeout);

        actor.Tell(new Boom(), null);

        Assert.Equal("replay 3@1", await probe.ExpectMsg<string>());
        Assert.Equal("replay 4@2", await probe.ExpectMsg<string>());
        Assert.Equal("recovered sum=7 last=2", await probe.ExpectMsg<string>());
        Assert.Equal(new Summary(7, 2), await actor.Ask<Summary>(new Get(), Timeout));
    }

    [Fact]
    public async Task A_restarted_instance_recovers_only_after_its_predecessors_writes_settled()
    {
        var (actor, probe) = await Start("settle", "recovered sum=0 last=0");
        _journal.HoldWrites = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal("accepted", await actor.Ask<string>(new AddAsync(4), Timeout));

        actor.Tell(new Boom(), null);
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        var hold = _journal.HoldWrites;
        _journal.HoldWrites = null;
        hold.SetResult();

        Assert.Equal("replay 4@1", await probe.ExpectMsg<string>());
        Assert.Equal("recovered sum=4 last=1", await probe.ExpectMsg<string>());
        Assert.Equal(new Summary(9, 2), await actor.Ask<Summary>(new Add(5), Timeout));
    }
}
