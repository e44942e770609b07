using System.CommandLine;
using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Data;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training.DataParallel;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench data-parallel`: world size 2 against world size 1 at the same global batch
/// (scaling), the training all-reduce against a bare C++ Gloo all-reduce of the same buffer
/// (goal ≥ 0.9), and the share of each step spent waiting in collectives.
/// </summary>
public static class BenchDataParallelCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model preset (byte vocabulary), or \"tiny\"", DefaultValueFactory = _ => "llama-1m" };
        var batch = new Option<int>("--batch") { Description = "Sequences per rank per micro-batch at world size 2 (world size 1 runs twice as many)", DefaultValueFactory = _ => 8 };
        var context = new Option<int>("--context") { Description = "Tokens per sequence", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps per run (the first 3 are warm-up)", DefaultValueFactory = _ => 20 };
        var iterations = new Option<int>("--allreduce-iterations") { Description = "Timed all-reduces on each side", DefaultValueFactory = _ => 30 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads per rank", DefaultValueFactory = _ => 1 };
        var command = new Command("data-parallel", "Data-parallel scaling (world size 2 vs 1), all-reduce vs bare Gloo, time in collectives")
            { preset, batch, context, steps, iterations, threads };
        var configOptions = ConfigOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var dp = configOptions.Load(parse).Bind<DataParallelConfig>(DataParallelConfig.Section);
            dp.Validate();
            var (b, c, s, it) = (parse.GetValue(batch), parse.GetValue(context), parse.GetValue(steps), parse.GetValue(iterations));
            if (b < 1 || c < 2 || s < 4 || it < 1 || parse.GetValue(threads) < 1)
                throw new StlmException("--batch, --allreduce-iterations and --threads must be at least 1, --context at least 2 and --steps at least 4");
            using var scratch = new ScratchDirectory();
            Console.Error.WriteLine("bench data-parallel: preparing a synthetic byte corpus");
            var shards = SyntheticCorpus.Ensure(Path.Combine(scratch.Path, "data"), TokenizerSpec.Load("bytes"), megabytes: 1, seed: 3).ShardDirectory;
            var spec = new DataParallelSpec(shards, "", 1, 2 * b, 1, s, parse.GetValue(preset)!, c, BucketMb: dp.BucketMb,
                TimeoutSeconds: dp.Timeout.TotalSeconds, Port: dp.Port, Threads: parse.GetValue(threads), CheckEvery: 0, BandwidthIterations: it);
            var limit = TimeSpan.FromMinutes(10);
            var load0 = TrainBenchmark.LoadAverage();
            Console.Error.WriteLine($"bench data-parallel: world size 1, batch {2 * b} x {c}");
            var one = DataParallelLaunch.Run(spec with { ReportDirectory = Path.Combine(scratch.Path, "ws1") }, limit)[0];
            var load1 = TrainBenchmark.LoadAverage();
            Console.Error.WriteLine($"bench data-parallel: world size 2, batch {b} x {c} per rank");
            var two = DataParallelLaunch.Run(spec with { ReportDirectory = Path.Combine(scratch.Path, "ws2"), WorldSize = 2, Batch = b }, limit);
            var load2 = TrainBenchmark.LoadAverage();
            Console.Out.Write(Format(one, two, [load0, load1, load2]));
            return 0;
        });
        return command;
    }

    static string Format(DataParallelReport one, IReadOnlyList<DataParallelReport> two, string[] loads)
    {
        const int warmup = 3;
        static double Median(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }
        var step1 = Median(one.StepSeconds.Skip(warmup));
        // A step of the group lasts as long as its slowest rank's.
        var step2 = Median(two[0].StepSeconds.Skip(warmup).Select((t, i) => two.Max(r => r.StepSeconds[i + warmup])));
        var (tps1, tps2) = (one.TokensPerStep / step1, two[0].TokensPerStep / step2);
        var speedup = tps2 / tps1;
        var waits = two.Select(r => Median(r.CollectiveSeconds.Skip(warmup))).ToArray();
        var computes = two.Select(r => Median(r.StepSeconds.Skip(warmup).Zip(r.CollectiveSeconds.Skip(warmup), (t, w) => t - w))).ToArray();
        var ours = Median(two.Select(r => Median(r.OursAllReduceSeconds!)));
        var bare = Median(two.Select(r => Median(r.ReferenceAllReduceSeconds!)));
        var bytes = two[0].AllReduceBytes;
        // Ring all-reduce moves 2(n-1)/n of the buffer per rank: the usual "bus bandwidth".
        double Bus(double seconds) => 2.0 * (two.Count - 1) / two.Count * bytes / seconds / 1e6;
        var w = new StringWriter();
        w.WriteLine($"model {one.Parameters:N0} parameters, global batch {one.TokensPerStep:N0} tokens per step, steps {one.Losses.Count} (first {warmup} not timed)");
        w.WriteLine($"world size 1: {tps1,10:N0} tokens/s (median step {step1 * 1e3:F1} ms)");
        w.WriteLine($"world size 2: {tps2,10:N0} tokens/s (median step {step2 * 1e3:F1} ms, {two[0].Buckets} gradient bucket(s))");
        w.WriteLine($"speed-up ws2/ws1: {speedup:F2}x, scaling efficiency {speedup / 2:P0} (2 ranks share this machine's cores)");
        for (var r = 0; r < two.Count; r++)
            w.WriteLine($"rank {r}: {waits[r] * 1e3:F1} ms per step in collectives ({waits[r] / (waits[r] + computes[r]):P1} of the step), {computes[r] * 1e3:F1} ms computing");
        w.WriteLine($"overlapping the all-reduce with backward could hide at most {waits.Max() * 1e3:F1} ms of a {step2 * 1e3:F1} ms step ({waits.Max() / step2:P1})");
        w.WriteLine($"all-reduce of {bytes / 1e6:F2} MB: ours {ours * 1e3:F2} ms ({Bus(ours):F0} MB/s bus), bare C++ Gloo {bare * 1e3:F2} ms ({Bus(bare):F0} MB/s bus), ratio {bare / ours:F2} (goal >= 0.90)");
        w.WriteLine($"1-min load average before ws1: {loads[0]}; before ws2: {loads[1]}; after: {loads[2]}");
        return w.ToString();
    }

    sealed class ScratchDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("stlm-bench-dp-").FullName;
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
