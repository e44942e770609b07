using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

public class MessagingTests : ActorTest
{
    sealed record Numbered(int Sender, int N);
    sealed record GetReport;
    sealed record Report(int Received, int OutOfOrder);

    sealed class OrderChecker : ReceiveActor
    {
        readonly Dictionary<int, int> _last = [];
        int _received;
        int _outOfOrder;

        public OrderChecker()
        {
            Receive<Numbered>(m =>
            {
                _received++;
                if (_last.TryGetValue(m.Sender, out var last) && m.N != last + 1)
                    _outOfOrder++;
                _last[m.Sender] = m.N;
            });
            Receive<GetReport>(_ => Sender.Tell(new Report(_received, _outOfOrder)));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(64)]
    public async Task Messages_from_each_sender_arrive_in_order_under_concurrency(int? capacity)
    {
        var props = Props.Create(() => new OrderChecker());
        if (capacity is { } c)
            props = props.WithBoundedMailbox(c);
        var checker = System.ActorOf(props.WithThroughput(7), "checker");
        const int senders = 4, perSender = 20_000;
        // Plain threads, not pool tasks: a Tell into a full bounded mailbox blocks its thread.
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            for (var n = 0; n < perSender; n++)
                checker.Tell(new Numbered(s, n), null);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var report = await checker.Ask<Report>(new GetReport(), TimeSpan.FromSeconds(10));

        Assert.Equal(new Report(senders * perSender, 0), report);
    }

    sealed class Echo : ReceiveActor
    {
        public Echo()
        {
            Receive<string>(s => s == "fail", s => Sender.Tell(new Status.Failure(new InvalidOperationException("asked to fail"))));
            Receive<string>(s => s != "silence", s => Sender.Tell(s.ToUpperInvariant()));
        }
    }

    [Fact]
    public async Task Ask_returns_the_reply()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));

        Assert.Equal("HELLO", await echo.Ask<string>("hello", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Ask_without_reply_times_out()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));

        var e = await Assert.ThrowsAsync<AskTimeoutException>(() => echo.Ask<string>("silence", TimeSpan.FromMilliseconds(100)));
        Assert.Contains(echo.Path.ToString(), e.Message);
    }

    [Fact]
    public async Task Ask_with_a_failure_reply_throws_its_cause()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => echo.Ask<string>("fail", TimeSpan.FromSeconds(5)));
        Assert.Equal("asked to fail", e.Message);
    }

    [Fact]
    public async Task Ask_of_a_stopped_actor_fails_at_once_instead_of_waiting_for_the_timeout()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));
        var probe = CreateProbe();
        await probe.Watch(echo);
        System.Stop(echo);
        await probe.ExpectMsg<Terminated>();

        var clock = global::System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAsync<AskTimeoutException>(() => echo.Ask<string>("hello", TimeSpan.FromSeconds(30)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PipeTo_sends_the_result_or_the_failure()
    {
        var probe = CreateProbe();

        _ = Task.FromResult(42).PipeTo(probe.Ref);
        Assert.Equal(42, await probe.ExpectMsg<int>());

        _ = Task.FromException<int>(new InvalidOperationException("boom")).PipeTo(probe.Ref);
        var failure = await probe.ExpectMsg<Status.Failure>();
        Assert.Equal("boom", failure.Cause.Message);
    }

    [Fact]
    public async Task Sender_of_a_tell_from_an_actor_is_that_actor()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));
        var probe = CreateProbe();

        probe.Send(echo, "ping");

        Assert.Equal("PING", await probe.ExpectMsg<string>());
        Assert.Equal(echo, probe.LastSender);
    }

    [Fact]
    public async Task Forward_keeps_the_original_sender()
    {
        var echo = System.ActorOf(Props.Create(() => new Echo()));
        var forwarder = System.ActorOf(Props.Create(() => new Forwarder(echo)));
        var probe = CreateProbe();

        probe.Send(forwarder, "via");

        Assert.Equal("VIA", await probe.ExpectMsg<string>());
        Assert.Equal(echo, probe.LastSender);
    }

    sealed class Forwarder(IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message) => target.Forward(message);
    }

    [Fact]
    public async Task A_dedicated_thread_actor_runs_on_its_own_named_thread()
    {
        var actor = System.ActorOf(Props.Create(() => new ThreadReporter()).WithDedicatedThread(), "loader");

        var first = await actor.Ask<string>("which", TimeSpan.FromSeconds(5));
        var second = await actor.Ask<string>("which", TimeSpan.FromSeconds(5));

        Assert.Equal("akka://test/user/loader", first);
        Assert.Equal(first, second);
    }

    sealed class ThreadReporter : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(Thread.CurrentThread.Name ?? "");
    }
}
