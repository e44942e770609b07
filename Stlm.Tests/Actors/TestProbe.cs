using System.Threading.Channels;
using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors;

/// <summary>
/// An actor that queues what it receives so a test can await it (a small Akka TestProbe).
/// Use <see cref="Ref"/> as sender or target; Expect* wait with a timeout instead of sleeping.
/// </summary>
public sealed class TestProbe
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    readonly Channel<Envelope> _received = Channel.CreateUnbounded<Envelope>();

    public IActorRef Ref { get; }
    public IActorRef? LastSender { get; private set; }

    public TestProbe(ActorSystem system, string? name = null) =>
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_received.Writer)), name);

    sealed record WatchRequest(IActorRef Target);

    sealed class ProbeActor(ChannelWriter<Envelope> received) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is WatchRequest watch)
            {
                Context.Watch(watch.Target);
                Sender.Tell(true, Self);
            }
            else
                received.TryWrite(new Envelope(message, Sender));
        }
    }

    /// <summary>Watches the target; returns once the watch is registered.</summary>
    public Task Watch(IActorRef target) => Ref.Ask<bool>(new WatchRequest(target), DefaultTimeout);

    public void Send(IActorRef target, object message) => target.Tell(message, Ref);

    public void Reply(object message) =>
        (LastSender ?? throw new InvalidOperationException("no message received yet")).Tell(message, Ref);

    public async Task<object> ReceiveOne(TimeSpan? timeout = null)
    {
        var wait = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(wait);
        try
        {
            var envelope = await _received.Reader.ReadAsync(cts.Token);
            LastSender = envelope.Sender;
            return envelope.Message;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"probe {Ref.Path} got no message within {wait.TotalMilliseconds:0} ms");
        }
    }

    public async Task<T> ExpectMsg<T>(TimeSpan? timeout = null)
    {
        var message = await ReceiveOne(timeout);
        return message is T typed
            ? typed
            : throw new Xunit.Sdk.XunitException($"expected {typeof(T).Name}, got {message.GetType().Name}: {message}");
    }

    public async Task<T> ExpectMsg<T>(T expected, TimeSpan? timeout = null)
    {
        var message = await ExpectMsg<T>(timeout);
        Assert.Equal(expected, message);
        return message;
    }

    /// <summary>Asserts nothing arrives for the duration (keep durations short: 100–200 ms).</summary>
    public async Task ExpectNoMsg(TimeSpan duration)
    {
        using var cts = new CancellationTokenSource(duration);
        try
        {
            var envelope = await _received.Reader.ReadAsync(cts.Token);
            throw new Xunit.Sdk.XunitException($"expected no message, got {envelope.Message.GetType().Name}: {envelope.Message}");
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>One actor system per test class instance, terminated after the test.</summary>
public abstract class ActorTest : IAsyncLifetime
{
    protected ActorSystem System { get; } = ActorSystem.Create("test");

    protected TestProbe CreateProbe(string? name = null) => new(System, name);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        var terminated = System.Terminate();
        if (await Task.WhenAny(terminated, Task.Delay(TimeSpan.FromSeconds(10))) != terminated)
            throw new TimeoutException("actor system did not terminate within 10 s");
    }
}
