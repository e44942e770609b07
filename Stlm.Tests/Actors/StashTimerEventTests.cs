using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

public class StashTimerEventTests : ActorTest
{
    /// <summary>Stashes everything until "open", then handles the stash in order.</summary>
    sealed class Gate : ReceiveActor, IWithStash
    {
        public IStash Stash { get; set; } = null!;

        public Gate(IActorRef probe)
        {
            Receive<string>(s => s == "open", _ =>
            {
                Become(() => Receive<string>(s => probe.Tell(s, Self)));
                Stash.UnstashAll();
            });
            Receive<string>(_ => Stash.Stash());
        }
    }

    [Fact]
    public async Task Stashed_messages_come_back_in_order_before_later_ones()
    {
        var probe = CreateProbe();
        var gate = System.ActorOf(Props.Create(() => new Gate(probe.Ref)));

        foreach (var s in new[] { "a", "b", "c", "open", "d" })
            gate.Tell(s, null);

        foreach (var expected in new[] { "a", "b", "c", "d" })
            await probe.ExpectMsg(expected);
    }

    sealed class Timed(IActorRef probe) : UntypedActor, IWithTimers
    {
        public ITimerScheduler Timers { get; set; } = null!;

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case ("single", TimeSpan delay): Timers.StartSingleTimer("k", "single-tick", delay); break;
                case ("periodic", TimeSpan interval): Timers.StartPeriodicTimer("p", "periodic-tick", interval); break;
                case "cancel": Timers.Cancel("p"); Sender.Tell(Timers.IsTimerActive("p")); break;
                case "replace":
                    Timers.StartSingleTimer("k", "old", TimeSpan.FromMilliseconds(1));
                    Thread.Sleep(30); // the old tick is in the mailbox by now
                    Timers.StartSingleTimer("k", "new", TimeSpan.FromMilliseconds(1));
                    break;
                default: probe.Tell(message, Self); break;
            }
        }
    }

    [Fact]
    public async Task A_single_timer_fires_once()
    {
        var probe = CreateProbe();
        var actor = System.ActorOf(Props.Create(() => new Timed(probe.Ref)));

        actor.Tell(("single", TimeSpan.FromMilliseconds(10)), null);

        await probe.ExpectMsg("single-tick");
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_periodic_timer_repeats_until_cancelled()
    {
        var probe = CreateProbe();
        var actor = System.ActorOf(Props.Create(() => new Timed(probe.Ref)));

        actor.Tell(("periodic", TimeSpan.FromMilliseconds(10)), null);
        for (var i = 0; i < 3; i++)
            await probe.ExpectMsg("periodic-tick");
        Assert.False(await actor.Ask<bool>("cancel", TimeSpan.FromSeconds(5)));

        while (true)
        {
            try
            {
                await probe.ExpectMsg("periodic-tick", TimeSpan.FromMilliseconds(100));
            }
            catch (TimeoutException)
            {
                break; // ticks sent before the cancel may still be drained; then silence
            }
        }
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task A_replaced_timer_never_delivers_its_old_message()
    {
        var probe = CreateProbe();
        var actor = System.ActorOf(Props.Create(() => new Timed(probe.Ref)));

        actor.Tell("replace", null);

        await probe.ExpectMsg("new");
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    record Animal(string Name);
    sealed record Dog(string Name) : Animal(Name);

    [Fact]
    public async Task The_event_stream_delivers_by_type_including_subtypes_until_unsubscribed()
    {
        var animals = CreateProbe();
        var dogs = CreateProbe();
        System.EventStream.Subscribe<Animal>(animals.Ref);
        System.EventStream.Subscribe<Dog>(dogs.Ref);

        System.EventStream.Publish(new Animal("cat"));
        System.EventStream.Publish(new Dog("rex"));

        await animals.ExpectMsg(new Animal("cat"));
        await animals.ExpectMsg<Animal>(new Dog("rex"));
        await dogs.ExpectMsg(new Dog("rex"));

        System.EventStream.Unsubscribe(animals.Ref, typeof(Animal));
        System.EventStream.Publish(new Animal("cow"));
        await animals.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    sealed class Idle : UntypedActor
    {
        protected override void OnReceive(object message) { }
    }

    [Fact]
    public async Task Messages_to_a_stopped_actor_become_dead_letters()
    {
        var deadLetters = CreateProbe();
        System.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);
        var actor = System.ActorOf(Props.Create(() => new Idle()));
        var watcher = CreateProbe();
        await watcher.Watch(actor);
        System.Stop(actor);
        await watcher.ExpectMsg<Terminated>();

        actor.Tell("lost", watcher.Ref);

        var letter = await deadLetters.ExpectMsg<DeadLetter>();
        Assert.Equal("lost", letter.Message);
        Assert.Equal(actor, letter.Recipient);
        Assert.Equal(watcher.Ref, letter.Sender);
    }

    [Fact]
    public async Task The_scheduler_tells_once_and_repeatedly_until_cancelled()
    {
        var probe = CreateProbe();

        System.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(10), probe.Ref, "once", null);
        var repeating = System.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(10), probe.Ref, "again", null);

        var seen = new List<string>();
        while (!seen.Contains("once") || seen.Count(s => s == "again") < 3)
            seen.Add(await probe.ExpectMsg<string>());
        repeating.Cancel();
        Assert.True(repeating.IsCancellationRequested);
        await Task.Delay(30);
        while (true)
        {
            try
            {
                await probe.ExpectMsg<string>(TimeSpan.FromMilliseconds(50));
            }
            catch (TimeoutException)
            {
                break;
            }
        }
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
