using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Stlm.Host.Bench;

/// <summary>
/// Message-throughput workloads for <c>stlm bench actors</c>: ping-pong between pairs of actors
/// with several messages in flight per pair, and a fan-out from one sender to many actors.
/// Each returns messages per second of one round.
/// </summary>
public static class ActorThroughput
{
    sealed record Ball;

    /// <summary>An actor system whose default dispatcher runs <paramref name="throughput"/> messages per actor per turn.</summary>
    static ActorSystem Bench(int throughput) => ActorSystem.Create("bench",
        Akka.Configuration.ConfigurationFactory.ParseString($"akka.actor.default-dispatcher.throughput = {throughput}").WithFallback(Stlm.Actors.Persistence.StlmAkka.Base));

    /// <summary>Answers every message to its sender.</summary>
    sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }

    /// <summary>Keeps hitting balls back to the echo until its share of messages is done.</summary>
    sealed class Pinger(long messages, IActorRef echo, int inFlight, CountdownEvent done) : UntypedActor
    {
        long _remaining = messages;

        protected override void OnReceive(object message)
        {
            if (message is Go)
            {
                var ball = new Ball();
                for (var i = 0; i < inFlight; i++)
                    echo.Tell(ball, Self);
                return;
            }
            _remaining--;
            if (_remaining >= inFlight)
                Sender.Tell(message, Self);
            if (_remaining == 0)
                done.Signal();
        }
    }

    sealed record Go;

    sealed class Counter(long expected, CountdownEvent done) : UntypedActor
    {
        long _seen;

        protected override void OnReceive(object message)
        {
            if (++_seen == expected)
                done.Signal();
        }
    }

    /// <summary>
    /// Round trips between <paramref name="pairs"/> pinger/echo pairs; every hop counts as one
    /// message, so a pair handling n round trips moves 2n messages.
    /// </summary>
    public static async Task<double> PingPong(long messages, int pairs, int inFlight, int throughput)
    {
        using var system = Bench(throughput);
        var perPair = messages / pairs / 2;
        perPair = Math.Max(perPair - perPair % inFlight, inFlight);
        using var done = new CountdownEvent(pairs);
        var pingers = new List<IActorRef>();
        for (var p = 0; p < pairs; p++)
        {
            var echo = system.ActorOf(Props.Create(() => new Echo()), $"echo-{p}");
            pingers.Add(system.ActorOf(Props.Create(() => new Pinger(perPair, echo, inFlight, done)), $"pinger-{p}"));
        }
        var clock = Stopwatch.StartNew();
        foreach (var pinger in pingers)
            pinger.Tell(new Go(), null);
        done.Wait();
        clock.Stop();
        await system.Terminate();
        return perPair * 2.0 * pairs / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Sends its share to the target in one go when told to.</summary>
    sealed class Flooder(long messages, IActorRef target) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            for (long i = 0; i < messages; i++)
                target.Tell(message, Self);
        }
    }

    /// <summary>
    /// <paramref name="senders"/> actors tell <paramref name="messages"/> messages in all to one
    /// actor: the writers contend on one mailbox (many data loaders feeding one trainer).
    /// </summary>
    public static async Task<double> FanIn(long messages, int senders, int throughput)
    {
        using var system = Bench(throughput);
        var perSender = messages / senders;
        using var done = new CountdownEvent(1);
        var sink = system.ActorOf(Props.Create(() => new Counter(perSender * senders, done)), "sink");
        var flooders = Enumerable.Range(0, senders)
            .Select(i => system.ActorOf(Props.Create(() => new Flooder(perSender, sink)), $"sender-{i}"))
            .ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var flooder in flooders)
            flooder.Tell(new Ball(), null);
        done.Wait();
        clock.Stop();
        await system.Terminate();
        return perSender * (double)senders / clock.Elapsed.TotalSeconds;
    }

    /// <summary>One non-actor thread tells <paramref name="messages"/> messages round-robin to <paramref name="actors"/> actors.</summary>
    public static async Task<double> FanOut(long messages, int actors, int throughput)
    {
        using var system = Bench(throughput);
        var perActor = messages / actors;
        using var done = new CountdownEvent(actors);
        var counters = Enumerable.Range(0, actors)
            .Select(i => system.ActorOf(Props.Create(() => new Counter(perActor, done)), $"counter-{i}"))
            .ToArray();
        var message = new Ball();
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < perActor; i++)
            foreach (var counter in counters)
                counter.Tell(message, null);
        done.Wait();
        clock.Stop();
        await system.Terminate();
        return perActor * (double)actors / clock.Elapsed.TotalSeconds;
    }
}
