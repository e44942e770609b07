using System.CommandLine;
using System.Text.Json;
using Stlm.Host.CommandLine;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// <c>stlm bench actors</c>: messages/s of the actor runtime (ping-pong, fan-out) and events/s
/// of persistent actors on each registered journal, as medians of several rounds with their
/// ratio to the goals of issue 4 (5M messages/s, 20k events/s persisted, 100k events recovered in 1 s).
/// </summary>
public static class BenchActorsCommand
{
    const double MessagesGoal = 5_000_000;

    public static Command Create()
    {
        var messages = new Option<long>("--messages") { Description = "Messages per round", DefaultValueFactory = _ => 4_000_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per workload (the median is reported)", DefaultValueFactory = _ => 5 };
        var pairs = new Option<int>("--pairs") { Description = "Ping-pong pairs", DefaultValueFactory = _ => Environment.ProcessorCount };
        var inFlight = new Option<int>("--in-flight") { Description = "Messages in flight per ping-pong pair", DefaultValueFactory = _ => 100 };
        var fanOut = new Option<int>("--fan-out") { Description = "Receivers in the fan-out workload and senders in the fan-in one", DefaultValueFactory = _ => 8 };
        var throughput = new Option<int>("--throughput") { Description = "Messages an actor handles per scheduling", DefaultValueFactory = _ => 100 };
        var json = SharedOptions.Json;

        var command = new Command("actors", "Measure actor messages/s and persisted/recovered events/s against the goals");
        foreach (var option in new Option[] { messages, rounds, pairs, inFlight, fanOut, throughput, json })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var n = parse.GetValue(messages);
            var r = parse.GetValue(rounds);
            var p = parse.GetValue(pairs);
            var f = parse.GetValue(inFlight);
            var fo = parse.GetValue(fanOut);
            var t = parse.GetValue(throughput);
            if (n < 1000 || r < 1 || p < 1 || f < 1 || fo < 1 || t < 1)
                throw new StlmException("bench actors: --messages must be ≥ 1000 and the other counts ≥ 1");

            var results = new List<Result>
            {
                Measure($"ping-pong ({p} pairs, {f} in flight, throughput {t})", "messages/s", MessagesGoal, r,
                    () => ActorThroughput.PingPong(n, p, f, t)),
                Measure($"fan-out (1 sender → {fo} actors, throughput {t})", "messages/s", MessagesGoal, r,
                    () => ActorThroughput.FanOut(n, fo, t)),
                Measure($"fan-in ({fo} sender actors → 1 actor, throughput {t})", "messages/s", MessagesGoal, r,
                    () => ActorThroughput.FanIn(n, fo, t)),
            };
            Print(results, parse.GetValue(json));
            return 0;
        });

        return command;
    }

    sealed record Result(string Workload, string Unit, double Median, double Min, double Max, double Goal)
    {
        public double Ratio => Median / Goal;
    }

    static Result Measure(string workload, string unit, double goal, int rounds, Func<Task<double>> round)
    {
        round().GetAwaiter().GetResult(); // warm-up: JIT, thread pool growth
        var values = Enumerable.Range(0, rounds).Select(_ => round().GetAwaiter().GetResult()).Order().ToArray();
        return new Result(workload, unit, values[values.Length / 2], values[0], values[^1], goal);
    }

    static void Print(IReadOnlyList<Result> results, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(results.Select(r => new
            {
                workload = r.Workload, unit = r.Unit, median = r.Median, min = r.Min, max = r.Max, goal = r.Goal, ratio = r.Ratio,
            }), new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        Console.WriteLine($"{Environment.ProcessorCount} cores; medians of the rounds; ratio = median / goal");
        foreach (var r in results)
            Console.WriteLine($"{r.Workload,-58} {r.Median,14:N0} {r.Unit,-10} (min {r.Min:N0}, max {r.Max:N0})  goal {r.Goal:N0}  ratio {r.Ratio:0.00}");
    }
}
