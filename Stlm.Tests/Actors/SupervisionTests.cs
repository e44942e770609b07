using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

public class SupervisionTests : ActorTest
{
    sealed record Fail(Exception Cause);
    sealed record Get;

    /// <summary>Counts messages; reports its lifecycle to the probe.</summary>
    sealed class Worker(IActorRef probe, string name) : UntypedActor
    {
        int _count;

        protected override void PreStart() => probe.Tell($"{name}:start", Self);
        protected override void PostStop() => probe.Tell($"{name}:stop", Self);
        protected override void PreRestart(Exception reason, object? message)
        {
            probe.Tell($"{name}:pre-restart:{reason.Message}:{message?.GetType().Name}", Self);
            base.PreRestart(reason, message);
        }

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case Fail fail: throw fail.Cause;
                case Get: Sender.Tell(_count); break;
                default: _count++; break;
            }
        }
    }

    /// <summary>Creates children and applies the given strategy to them.</summary>
    sealed class Supervisor(SupervisorStrategy strategy) : UntypedActor
    {
        protected override SupervisorStrategy SupervisorStrategy() => strategy;

        protected override void OnReceive(object message)
        {
            if (message is Props props)
                Sender.Tell(Context.ActorOf(props));
        }
    }

    async Task<(IActorRef Supervisor, IActorRef Child, TestProbe Probe)> Setup(SupervisorStrategy strategy, string childName = "w")
    {
        var probe = CreateProbe();
        var supervisor = System.ActorOf(Props.Create(() => new Supervisor(strategy)));
        var child = await supervisor.Ask<IActorRef>(Props.Create(() => new Worker(probe.Ref, childName)), TimeSpan.FromSeconds(5));
        Assert.Equal($"{childName}:start", await probe.ExpectMsg<string>());
        return (supervisor, child, probe);
    }

    [Fact]
    public async Task Default_strategy_restarts_the_child_with_fresh_state()
    {
        var (_, child, probe) = await Setup(SupervisorStrategy.Default);
        child.Tell("a", null);
        child.Tell(new Fail(new InvalidOperationException("boom")), null);

        Assert.Equal("w:pre-restart:boom:Fail", await probe.ExpectMsg<string>());
        Assert.Equal("w:stop", await probe.ExpectMsg<string>());
        Assert.Equal("w:start", await probe.ExpectMsg<string>());
        Assert.Equal(0, await child.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Messages_after_the_failing_one_survive_a_restart()
    {
        var (_, child, probe) = await Setup(SupervisorStrategy.Default);
        child.Tell(new Fail(new InvalidOperationException("boom")), null);
        child.Tell("after", null);

        Assert.Equal(1, await child.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Resume_keeps_the_state_and_drops_the_failing_message()
    {
        var (_, child, probe) = await Setup(new OneForOneStrategy(_ => Directive.Resume));
        child.Tell("a", null);
        child.Tell(new Fail(new InvalidOperationException("boom")), null);
        child.Tell("b", null);

        Assert.Equal(2, await child.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
        await probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Stop_directive_stops_the_child()
    {
        var (_, child, probe) = await Setup(new OneForOneStrategy(_ => Directive.Stop));
        var watcher = CreateProbe();
        await watcher.Watch(child);

        child.Tell(new Fail(new InvalidOperationException("boom")), null);

        Assert.Equal("w:stop", await probe.ExpectMsg<string>());
        Assert.Equal(child, (await watcher.ExpectMsg<Terminated>()).ActorRef);
    }

    [Fact]
    public async Task A_child_exceeding_its_restart_limit_within_the_window_is_stopped()
    {
        var (_, child, probe) = await Setup(new OneForOneStrategy(2, TimeSpan.FromMinutes(1), SupervisorStrategy.DefaultDecider));
        var watcher = CreateProbe();
        await watcher.Watch(child);

        for (var i = 0; i < 3; i++)
            child.Tell(new Fail(new InvalidOperationException($"boom{i}")), null);

        Assert.Equal(child, (await watcher.ExpectMsg<Terminated>()).ActorRef);
        var events = new List<string>();
        while (events.Count < 7)
            events.Add(await probe.ExpectMsg<string>());
        Assert.Equal(2, events.Count(e => e == "w:start"));
        Assert.Equal("w:stop", events[^1]);
    }

    [Fact]
    public async Task Restarts_outside_the_window_do_not_count_towards_the_limit()
    {
        var (_, child, probe) = await Setup(new OneForOneStrategy(1, TimeSpan.FromMilliseconds(50), SupervisorStrategy.DefaultDecider));
        for (var i = 0; i < 3; i++)
        {
            child.Tell(new Fail(new InvalidOperationException("boom")), null);
            Assert.Equal(0, await child.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
            await Task.Delay(80);
        }
    }

    [Fact]
    public async Task AllForOne_restarts_every_sibling()
    {
        var probe = CreateProbe();
        var supervisor = System.ActorOf(Props.Create(() => new Supervisor(new AllForOneStrategy(SupervisorStrategy.DefaultDecider))));
        var a = await supervisor.Ask<IActorRef>(Props.Create(() => new Worker(probe.Ref, "a")), TimeSpan.FromSeconds(5));
        var b = await supervisor.Ask<IActorRef>(Props.Create(() => new Worker(probe.Ref, "b")), TimeSpan.FromSeconds(5));
        await probe.ExpectMsg<string>();
        await probe.ExpectMsg<string>();
        b.Tell("x", null);
        Assert.Equal(1, await b.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));

        a.Tell(new Fail(new InvalidOperationException("boom")), null);

        var events = new List<string>();
        while (events.Count < 6)
            events.Add(await probe.ExpectMsg<string>());
        Assert.Contains("a:start", events);
        Assert.Contains("b:start", events);
        Assert.Equal(0, await b.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Escalate_passes_the_failure_to_the_grandparent()
    {
        var probe = CreateProbe();
        var grandparentStrategy = new OneForOneStrategy(e => { probe.Ref.Tell($"grandparent decides on {e.Message}", null); return Directive.Stop; });
        var grandparent = System.ActorOf(Props.Create(() => new Supervisor(grandparentStrategy)));
        var parent = await grandparent.Ask<IActorRef>(
            Props.Create(() => new Supervisor(new OneForOneStrategy(_ => Directive.Escalate))), TimeSpan.FromSeconds(5));
        var child = await parent.Ask<IActorRef>(Props.Create(() => new Worker(probe.Ref, "c")), TimeSpan.FromSeconds(5));
        Assert.Equal("c:start", await probe.ExpectMsg<string>());
        var watcher = CreateProbe();
        await watcher.Watch(parent);

        child.Tell(new Fail(new InvalidOperationException("deep")), null);

        Assert.Equal("grandparent decides on deep", await probe.ExpectMsg<string>());
        Assert.Equal("c:stop", await probe.ExpectMsg<string>());
        Assert.Equal(parent, (await watcher.ExpectMsg<Terminated>()).ActorRef);
    }

    [Fact]
    public async Task Escalation_to_the_guardian_stops_the_top_level_actor_and_the_system_survives()
    {
        var (supervisor, child, probe) = await Setup(new OneForOneStrategy(_ => Directive.Escalate));
        var watcher = CreateProbe();
        await watcher.Watch(supervisor);

        child.Tell(new Fail(new InvalidOperationException("to the top")), null);

        Assert.Equal(supervisor, (await watcher.ExpectMsg<Terminated>()).ActorRef);
        Assert.False(System.WhenTerminated.IsCompleted);
        var fresh = System.ActorOf(Props.Create(() => new Worker(probe.Ref, "fresh")));
        Assert.Equal(0, await fresh.Ask<int>(new Get(), TimeSpan.FromSeconds(5)));
    }

    sealed class FailingConstructor : UntypedActor
    {
        public FailingConstructor() => throw new InvalidOperationException("cannot start");
        protected override void OnReceive(object message) { }
    }

    [Fact]
    public async Task An_actor_whose_constructor_throws_is_stopped()
    {
        var actor = System.ActorOf(Props.Create(() => new FailingConstructor()));
        var watcher = CreateProbe();
        await watcher.Watch(actor);

        Assert.Equal(actor, (await watcher.ExpectMsg<Terminated>()).ActorRef);
    }

    [Fact]
    public async Task Kill_stops_the_actor_and_PoisonPill_stops_it_after_earlier_messages()
    {
        var probe = CreateProbe();
        var killed = System.ActorOf(Props.Create(() => new Worker(probe.Ref, "k")));
        var poisoned = System.ActorOf(Props.Create(() => new Worker(probe.Ref, "p")));
        var watcher = CreateProbe();
        await watcher.Watch(killed);
        await watcher.Watch(poisoned);

        killed.Tell(Kill.Instance, null);
        poisoned.Tell("one", null);
        poisoned.Tell(PoisonPill.Instance, null);
        poisoned.Tell("dropped", null);

        var dead = new[] { (await watcher.ExpectMsg<Terminated>()).ActorRef, (await watcher.ExpectMsg<Terminated>()).ActorRef };
        Assert.Contains(killed, dead);
        Assert.Contains(poisoned, dead);
    }
}
