using Serilog;
using Serilog.Core;
using Serilog.Events;
using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

public class MailboxShutdownLoggingTests : ActorTest
{
    /// <summary>Blocks on the first message until released, so its mailbox fills up.</summary>
    sealed class Blocker(ManualResetEventSlim release, IActorRef probe) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            release.Wait();
            probe.Tell(message, Self);
        }
    }

    [Fact]
    public async Task A_full_bounded_mailbox_blocks_Tell_until_there_is_room()
    {
        using var release = new ManualResetEventSlim();
        var probe = CreateProbe();
        var blocker = System.ActorOf(Props.Create(() => new Blocker(release, probe.Ref)).WithBoundedMailbox(2));
        blocker.Tell(0, null);
        // Wait until the actor holds message 0, so exactly two more fit.
        while (true)
        {
            await Task.Delay(5);
            if (await Task.Run(() => { blocker.Tell(1, null); blocker.Tell(2, null); return true; }).WaitAsync(TimeSpan.FromSeconds(5)))
                break;
        }

        var third = Task.Run(() => blocker.Tell(3, null));
        await Task.Delay(100);
        Assert.False(third.IsCompleted);

        release.Set();
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 4; i++)
            Assert.Equal(i, await probe.ExpectMsg<int>());
    }

    [Fact]
    public async Task TellAsync_awaits_room_in_a_full_bounded_mailbox()
    {
        using var release = new ManualResetEventSlim();
        var probe = CreateProbe();
        var blocker = System.ActorOf(Props.Create(() => new Blocker(release, probe.Ref)).WithBoundedMailbox(1));
        await blocker.TellAsync(0);
        await Task.Delay(20);
        await blocker.TellAsync(1);

        var pending = blocker.TellAsync(2).AsTask();
        await Task.Delay(100);
        Assert.False(pending.IsCompleted);

        release.Set();
        await pending.WaitAsync(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
            Assert.Equal(i, await probe.ExpectMsg<int>());
    }

    [Fact]
    public async Task A_full_bounded_mailbox_sends_to_dead_letters_after_the_push_timeout()
    {
        using var release = new ManualResetEventSlim();
        var probe = CreateProbe();
        var deadLetters = CreateProbe();
        System.EventStream.Subscribe<DeadLetter>(deadLetters.Ref);
        var blocker = System.ActorOf(Props.Create(() => new Blocker(release, probe.Ref))
            .WithBoundedMailbox(1, TimeSpan.FromMilliseconds(50)));
        blocker.Tell(0, null);
        await Task.Delay(20);
        blocker.Tell(1, null);

        blocker.Tell(2, null);

        Assert.Equal(2, (await deadLetters.ExpectMsg<DeadLetter>()).Message);
        release.Set();
    }

    [Fact]
    public async Task Coordinated_shutdown_runs_phases_in_order_then_terminates_the_system()
    {
        var order = new List<string>();
        var shutdown = System.CoordinatedShutdown;
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate, "last-words", async _ =>
        {
            await Task.Delay(10);
            lock (order) order.Add("before-terminate");
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "pause-run", _ =>
        {
            lock (order) order.Add("pause");
            return Task.CompletedTask;
        });
        shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "failing", _ => throw new InvalidOperationException("ignored"));

        var first = shutdown.Run("test");
        var second = shutdown.Run("again");
        await first.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Same(first, second);
        Assert.Equal(["pause", "before-terminate"], order);
        Assert.True(System.WhenTerminated.IsCompleted);
        Assert.Equal("test", shutdown.Reason);
        Assert.Throws<InvalidOperationException>(() => shutdown.AddTask(CoordinatedShutdown.PhaseServiceStop, "late", _ => Task.CompletedTask));
    }

    [Fact]
    public void Signal_handlers_can_be_installed_and_removed()
    {
        using var handlers = System.CoordinatedShutdown.InstallSignalHandlers();
        Assert.Null(System.CoordinatedShutdown.Reason);
    }

    sealed class Collect : ILogEventSink
    {
        public readonly List<LogEvent> Events = [];
        public void Emit(LogEvent logEvent)
        {
            lock (Events) Events.Add(logEvent);
        }
    }

    sealed class Chatty : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is "tag")
                Context.SetLogProperty("RunId", "run-7");
            else if (message is "spawn")
                Sender.Tell(Context.ActorOf(Props.Create(() => new Chatty()), "child"));
            else
                Context.Log.Information("said {Word}", message);
            if (message is "hello" or "child-hello")
                Sender.Tell("logged");
        }
    }

    [Fact]
    public async Task Log_records_carry_the_actor_path_and_inherited_run_id()
    {
        var sink = new Collect();
        var logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(sink).CreateLogger();
        await using var system = ActorSystem.Create("logged", new ActorSystemSettings { Logger = logger });
        var actor = system.ActorOf(Props.Create(() => new Chatty()), "run-7");

        actor.Tell("tag", null);
        await actor.Ask<string>("hello", TimeSpan.FromSeconds(5));
        var child = await actor.Ask<IActorRef>("spawn", TimeSpan.FromSeconds(5));
        await child.Ask<string>("child-hello", TimeSpan.FromSeconds(5));

        LogEvent[] said;
        lock (sink.Events)
            said = [.. sink.Events.Where(e => e.MessageTemplate.Text == "said {Word}")];
        Assert.Equal(2, said.Length);
        Assert.Equal("\"akka://logged/user/run-7\"", said[0].Properties["ActorPath"].ToString());
        Assert.Equal("\"akka://logged/user/run-7/child\"", said[1].Properties["ActorPath"].ToString());
        Assert.All(said, e => Assert.Equal("\"run-7\"", e.Properties["RunId"].ToString()));
    }
}
