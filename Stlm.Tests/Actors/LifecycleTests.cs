using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

public class LifecycleTests : ActorTest
{
    sealed class Idle : UntypedActor
    {
        protected override void OnReceive(object message) { }
    }

    sealed class Watcher(IActorRef subject, IActorRef probe, bool handleTerminated) : UntypedActor
    {
        protected override void PreStart() => Context.Watch(subject);
        protected override void PostStop() => probe.Tell("watcher stopped", Self);

        protected override void OnReceive(object message)
        {
            if (message is Terminated t && handleTerminated)
                probe.Tell($"watcher saw {t.ActorRef.Path.Name} terminate", Self);
            else if (message is "unwatch")
            {
                Context.Unwatch(subject);
                Sender.Tell("done");
            }
            else
                Unhandled(message);
        }
    }

    [Fact]
    public async Task Watch_delivers_Terminated_when_the_subject_stops()
    {
        var probe = CreateProbe();
        var subject = System.ActorOf(Props.Create(() => new Idle()));
        var watcherProbe = CreateProbe();
        System.ActorOf(Props.Create(() => new Watcher(subject, watcherProbe.Ref, true)));
        await probe.Watch(subject);
        System.Stop(subject);

        Assert.Equal(subject, (await probe.ExpectMsg<Terminated>()).ActorRef);
        Assert.Equal($"watcher saw {subject.Path.Name} terminate", await watcherProbe.ExpectMsg<string>());
    }

    [Fact]
    public async Task Watching_an_already_stopped_actor_delivers_Terminated_at_once()
    {
        var probe = CreateProbe();
        var subject = System.ActorOf(Props.Create(() => new Idle()));
        await probe.Watch(subject);
        System.Stop(subject);
        await probe.ExpectMsg<Terminated>();

        var late = CreateProbe();
        await late.Watch(subject);

        Assert.Equal(subject, (await late.ExpectMsg<Terminated>()).ActorRef);
    }

    [Fact]
    public async Task Unwatch_suppresses_Terminated()
    {
        var probe = CreateProbe();
        var subject = System.ActorOf(Props.Create(() => new Idle()));
        var watcher = System.ActorOf(Props.Create(() => new Watcher(subject, probe.Ref, true)));
        Assert.Equal("done", await watcher.Ask<string>("unwatch", TimeSpan.FromSeconds(5)));
        var sentinel = CreateProbe();
        await sentinel.Watch(subject);

        System.Stop(subject);

        await sentinel.ExpectMsg<Terminated>();
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task An_unhandled_Terminated_is_a_death_pact_that_stops_the_watcher()
    {
        var probe = CreateProbe();
        var subject = System.ActorOf(Props.Create(() => new Idle()));
        System.ActorOf(Props.Create(() => new Watcher(subject, probe.Ref, false)));

        System.Stop(subject);

        Assert.Equal("watcher stopped", await probe.ExpectMsg<string>());
    }

    sealed class Tree(IActorRef probe, int depth, string name) : UntypedActor
    {
        protected override void PreStart()
        {
            if (depth > 0)
            {
                Context.ActorOf(Props.Create(() => new Tree(probe, depth - 1, name + ".0")), "left");
                Context.ActorOf(Props.Create(() => new Tree(probe, depth - 1, name + ".1")), "right");
            }
            probe.Tell($"started {name}", Self);
        }

        protected override void PostStop() => probe.Tell(name, Self);

        protected override void OnReceive(object message) { }
    }

    [Fact]
    public async Task Terminate_stops_children_before_their_parents()
    {
        var probe = CreateProbe();
        System.ActorOf(Props.Create(() => new Tree(probe.Ref, 2, "r")), "tree");
        for (var i = 0; i < 7; i++)
            await probe.ExpectMsg<string>();

        var stopped = new List<string>();
        var collector = Task.Run(async () =>
        {
            while (stopped.Count < 7)
                stopped.Add(await probe.ExpectMsg<string>());
        });
        System.Stop(await System.ActorSelection("/user/tree").ResolveOne(TimeSpan.FromSeconds(1)));
        await collector;

        foreach (var name in stopped)
        {
            var children = new[] { name + ".0", name + ".1" };
            foreach (var child in children.Where(stopped.Contains))
                Assert.True(stopped.IndexOf(child) < stopped.IndexOf(name), $"{child} stopped after its parent {name}: {string.Join(", ", stopped)}");
        }
        Assert.Equal("r", stopped[^1]);
    }

    [Fact]
    public async Task Terminating_the_system_stops_every_actor_and_completes_WhenTerminated()
    {
        var system = ActorSystem.Create("other");
        var stops = new List<string>();
        var probe = new TestProbe(System);
        system.ActorOf(Props.Create(() => new Tree(probe.Ref, 1, "t")), "tree");
        for (var i = 0; i < 3; i++)
            await probe.ExpectMsg<string>();

        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(10));

        for (var i = 0; i < 3; i++)
            stops.Add(await probe.ExpectMsg<string>());
        Assert.Equal("t", stops[^1]);
        Assert.True(system.WhenTerminated.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Paths_are_hierarchical_and_selections_resolve_them()
    {
        var probe = CreateProbe();
        var tree = System.ActorOf(Props.Create(() => new Tree(probe.Ref, 1, "t")), "run-1");
        for (var i = 0; i < 3; i++)
            await probe.ExpectMsg<string>();

        var left = await System.ActorSelection("akka://test/user/run-1/left").ResolveOne(TimeSpan.FromSeconds(1));
        var viaRelative = await System.ActorSelection("/user/run-1/left/../right").ResolveOne(TimeSpan.FromSeconds(1));

        Assert.Equal("akka://test/user/run-1", tree.Path.ToString());
        Assert.Equal("akka://test/user/run-1/left", left.Path.ToString());
        Assert.Equal("akka://test/user/run-1/right", viaRelative.Path.ToString());
        await Assert.ThrowsAsync<ActorNotFoundException>(() => System.ActorSelection("/user/run-1/nobody").ResolveOne(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Names_must_be_valid_and_unique_among_siblings()
    {
        System.ActorOf(Props.Create(() => new Idle()), "same");

        Assert.Throws<InvalidActorNameException>(() => System.ActorOf(Props.Create(() => new Idle()), "same"));
        Assert.Throws<InvalidActorNameException>(() => System.ActorOf(Props.Create(() => new Idle()), "a/b"));
        Assert.Throws<InvalidActorNameException>(() => System.ActorOf(Props.Create(() => new Idle()), "$x"));
    }

    [Fact]
    public async Task A_stopped_actors_name_can_be_reused()
    {
        var first = System.ActorOf(Props.Create(() => new Idle()), "reused");
        var probe = CreateProbe();
        await probe.Watch(first);
        System.Stop(first);
        await probe.ExpectMsg<Terminated>();

        // The parent frees the name when it learns of the stop, a moment after the watchers do.
        IActorRef? second = null;
        for (var attempt = 0; second is null; attempt++)
        {
            try
            {
                second = System.ActorOf(Props.Create(() => new Idle()), "reused");
            }
            catch (InvalidActorNameException) when (attempt < 100)
            {
                await Task.Delay(10);
            }
        }

        Assert.NotEqual(first, second);
        Assert.Equal(first.Path, second.Path);
    }

    [Fact]
    public async Task Every_actor_answers_Identify_with_its_ref()
    {
        var actor = System.ActorOf(Props.Create(() => new Idle()), "known");

        var identity = await System.ActorSelection("/user/known").ResolveOne(TimeSpan.FromSeconds(1))
            .ContinueWith(t => t.Result.Ask<ActorIdentity>(new Identify(42), TimeSpan.FromSeconds(5))).Unwrap();

        Assert.Equal(new ActorIdentity(42, actor), identity);
    }
}
