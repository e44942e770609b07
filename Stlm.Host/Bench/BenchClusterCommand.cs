using System.CommandLine;
using System.Globalization;
using Stlm.Host.CommandLine;
using Stlm.Host.Runs;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>`stlm bench cluster`: evaluation across evaluator processes, message round trips, job overhead and checkpoint transfer, as ratios (<see cref="ClusterBenchmark"/>).</summary>
public static class BenchClusterCommand
{
    public static Command Create()
    {
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string for the nodes' shared journal (default: $STLM_TEST_PG)" };
        var questions = new Option<int>("--questions") { Description = "Generated questions per evaluation", DefaultValueFactory = _ => 1024, HelpName = "N" };
        var evaluators = new Option<int>("--evaluators") { Description = "Evaluator processes added one by one", DefaultValueFactory = _ => 3, HelpName = "N" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per measurement (medians are reported)", DefaultValueFactory = _ => 3, HelpName = "N" };
        var dModel = new Option<int>("--transfer-d-model") { Description = "Width of the transferred checkpoint's model (512 with 8 layers: ~110 MB)", DefaultValueFactory = _ => 512, HelpName = "N" };
        var layers = new Option<int>("--transfer-layers") { Description = "Layers of the transferred checkpoint's model", DefaultValueFactory = _ => 8, HelpName = "N" };
        var json = SharedOptions.Json;
        var command = new Command("cluster", "Evaluation on 1-3 evaluator processes against in process, round trips, job overhead, checkpoint transfer against a local copy")
        {
            postgres, questions, evaluators, rounds, dModel, layers, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var pg = parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("STLM_TEST_PG")
                ?? throw new StlmException("bench cluster: cluster nodes share a PostgreSQL journal; give --postgres \"Host=…;Username=…;Password=…;Database=…\" or set STLM_TEST_PG (./stlm test starts a local one)");
            if (parse.GetValue(questions) < 1 || parse.GetValue(evaluators) is < 1 or > 8 || parse.GetValue(rounds) < 1 || parse.GetValue(dModel) < 8 || parse.GetValue(layers) < 1)
                throw new StlmException("bench cluster: --questions, --rounds and --transfer-layers must be at least 1, --evaluators 1 to 8, --transfer-d-model at least 8");
            var result = await ClusterBenchmark.RunAsync(new ClusterBenchmark.Options(pg, parse.GetValue(questions), parse.GetValue(evaluators), parse.GetValue(rounds),
                parse.GetValue(dModel), parse.GetValue(layers)), parse.GetValue(json) ? null : line => Console.Error.WriteLine(line), ct);
            if (parse.GetValue(json)) RunsJson.Print(result);
            else Print(result);
            return 0;
        });
        return command.WithLogging();
    }

    static void Print(ClusterBenchmark.Result r)
    {
        var c = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(c, $"evaluation, {r.Questions} generated questions in jobs of 128 (medians; {r.Cores} cores):"));
        Console.Out.WriteLine(string.Create(c, $"  in this process (one evaluator)   {r.InProcessItemsPerSecond,8:F1} questions/s   1.00x"));
        foreach (var s in r.Scaling)
            Console.Out.WriteLine(string.Create(c, $"  {s.Evaluators} evaluator process(es)          {s.ItemsPerSecond,8:F1} questions/s   {s.RatioToInProcess:F2}x  (efficiency {s.Efficiency:P0} per process; load {s.LoadAverage})"));
        Console.Out.WriteLine(string.Create(c, $"message round trip: {r.RoundTripRemoteMs:F3} ms to another node, {r.RoundTripLocalMs:F3} ms in this process ({r.RoundTripRemoteMs / r.RoundTripLocalMs:F1}x)"));
        var j = r.Job;
        Console.Out.WriteLine(string.Create(c, $"per evaluation job: {j.PointToPointMessages} messages + announcements, {j.JobBytes:N0} B job, {j.ResultBytes:N0} B result, {j.SerializeMicros:F0} µs to serialize both ways; " +
            $"{j.NonScoringMsPerJob:F1} ms not scoring against {j.ScoringMsPerJob:F1} ms scoring ({j.NonScoringMsPerJob / (j.NonScoringMsPerJob + j.ScoringMsPerJob):P0} overhead)"));
        var t = r.Transfer;
        Console.Out.WriteLine(string.Create(c, $"checkpoint transfer, {t.Bytes / 1e6:F1} MB: {t.FetchMBps:F0} MB/s fetched from another node, {t.CopyMBps:F0} MB/s local copy + fsync: {t.Ratio:F2}x (goal >= {t.Goal:F1}, {(t.Ratio >= t.Goal ? "met" : "not met")})"));
        Console.Out.WriteLine($"load average {r.LoadAverageBefore} before, {r.LoadAverageAfter} after");
    }
}
