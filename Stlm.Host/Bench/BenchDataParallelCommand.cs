using System.CommandLine;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Host.CommandLine;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench data-parallel`: world size 2 against world size 1 at the same global batch
/// (scaling), the training all-reduce against a bare C++ Gloo all-reduce of the same buffer
/// (goal ≥ 0.9), and the share of each step spent waiting in collectives — on the path a
/// `stlm train --nproc 2` run takes (<see cref="RankPathBenchmark"/>: RankLeader, `debug dp-rank`).
/// </summary>
public static class BenchDataParallelCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "training.preset of the model (trained on bytes here)", DefaultValueFactory = _ => "llama-1m" };
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
            var (b, c, s, it) = (parse.GetValue(batch), parse.GetValue(context), parse.GetValue(steps), parse.GetValue(iterations));
            if (b < 1 || c < 2 || s < 4 || it < 1 || parse.GetValue(threads) < 1)
                throw new StlmException("--batch, --allreduce-iterations and --threads must be at least 1, --context at least 2 and --steps at least 4");
            using var scratch = new ScratchDirectory();
            string[] sets =
            [
                $"training.preset=\"{parse.GetValue(preset)}\"", "tokenizer.kind=bytes", "model.vocab-size=258", "model.bos-token-id=256", "model.eos-token-id=256",
                $"model.context-length={c}", "training.grad-accum=1", $"training.max-steps={s}", "schedules.learning-rate.warmup-steps=1", "data.synthetic-megabytes=1",
                $"torch.threads={parse.GetValue(threads)}", $"stlm.data-dir=\"{scratch.Path}\"",
            ];
            Config Run(int worldSize, int rows) => TrainConfigLoader.Load(parse.GetValue(configOptions.File),
                [.. sets, .. parse.GetValue(configOptions.Set) ?? [], $"training.batch-size={rows}", $"training.data-parallel.world-size={worldSize}"]);
            var (ws1, ws2) = (Run(1, 2 * b), Run(2, b));
            RunCreation.CheckBeforeJournaling(ws2);
            Console.Error.WriteLine("bench data-parallel: preparing a synthetic byte corpus");
            TrainingRecipe.From(ws1).PrepareCorpus(CancellationToken.None);
            var load0 = TrainBenchmark.LoadAverage();
            Console.Error.WriteLine($"bench data-parallel: world size 1, batch {2 * b} x {c}");
            var one = RankPathBenchmark.Run(ws1, s, it);
            var load1 = TrainBenchmark.LoadAverage();
            Console.Error.WriteLine($"bench data-parallel: world size 2, batch {b} x {c} per rank (rank 1: stlm debug dp-rank)");
            var two = RankPathBenchmark.Run(ws2, s, it);
            var load2 = TrainBenchmark.LoadAverage();
            Console.Out.Write(Format(one, two, [load0, load1, load2]));
            return 0;
        });
        return command;
    }

    static string Format(RankPathRun one, RankPathRun two, string[] loads)
    {
        const int warmup = 3;
        static double Median(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }
        // Rank 0's step ends with the loss's all-reduce, so it lasts as long as the group's slowest rank.
        var (step1, step2) = (Median(one.StepSeconds.Skip(warmup)), Median(two.StepSeconds.Skip(warmup)));
        var (tps1, tps2) = (one.TokensPerStep / step1, two.TokensPerStep / step2);
        var speedup = tps2 / tps1;
        var wait = Median(two.CollectiveSeconds.Skip(warmup));
        var compute = Median(two.StepSeconds.Skip(warmup).Zip(two.CollectiveSeconds.Skip(warmup), (t, w) => t - w));
        var (ours, bare) = (Median(two.OursAllReduceSeconds!), Median(two.BareAllReduceSeconds!));
        // Each pair ran back to back, so the median of the pairs' ratios is the least troubled by load from elsewhere.
        var ratio = Median(two.BareAllReduceSeconds!.Zip(two.OursAllReduceSeconds!, (b, o) => b / o));
        var prepare = Median(two.PrepareSeconds!);
        var bytes = two.AllReduceBytes;
        // Ring all-reduce moves 2(n-1)/n of the buffer per rank: the usual "bus bandwidth" (n = 2).
        double Bus(double seconds) => bytes / seconds / 1e6;
        var w = new StringWriter();
        w.WriteLine($"model {one.Parameters:N0} parameters, global batch {one.TokensPerStep:N0} tokens per step, steps {one.StepSeconds.Count} (first {warmup} not timed)");
        w.WriteLine($"world size 1: {tps1,10:N0} tokens/s (median step {step1 * 1e3:F1} ms)");
        w.WriteLine($"world size 2: {tps2,10:N0} tokens/s (median step {step2 * 1e3:F1} ms, {two.Buckets} gradient bucket(s); rank 1 is `stlm debug dp-rank`)");
        w.WriteLine($"speed-up ws2/ws1: {speedup:F2}x, scaling efficiency {speedup / 2:P0} (2 ranks share this machine's cores)");
        w.WriteLine($"rank 0: {wait * 1e3:F1} ms per step in collectives, waiting for rank 1 included ({wait / step2:P1} of the step), {compute * 1e3:F1} ms computing");
        w.WriteLine($"overlapping the all-reduce with backward could hide at most {wait * 1e3:F1} ms of a {step2 * 1e3:F1} ms step ({wait / step2:P1})");
        w.WriteLine($"all-reduce of {bytes / 1e6:F2} MB: ours {ours * 1e3:F2} ms ({Bus(ours):F0} MB/s bus), bare C++ Gloo {bare * 1e3:F2} ms ({Bus(bare):F0} MB/s bus), ratio {ratio:F2} (median of {two.OursAllReduceSeconds!.Length} pairs; goal >= 0.90)");
        w.WriteLine($"the gradients are views of the all-reduced buckets: no copy in or out; filling the buckets before backward takes {prepare * 1e3:F2} ms");
        w.WriteLine($"1-min load average before ws1: {loads[0]}; before ws2: {loads[1]}; after: {loads[2]}");
        return w.ToString();
    }

    sealed class ScratchDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("stlm-bench-dp-").FullName;
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
