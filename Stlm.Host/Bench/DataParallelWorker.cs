using System.Diagnostics;
using System.Text.Json;
using Stlm.Model.Architectures;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;
using Stlm.Model.Training;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Host.Bench;

/// <summary>
/// What every rank of a data-parallel bench or test run is told (as JSON on its command line).
/// <see cref="Batch"/> is each rank's rows per micro-batch; a world of 1 runs the plain
/// <see cref="TrainStep"/> with no group, as the single-process reference.
/// <see cref="NudgeRank1AfterStep"/> is a fault for the tests: rank 1 scales its first weight
/// slightly after that step, which the next weights-hash check must catch.
/// </summary>
public sealed record DataParallelSpec(
    string DataDirectory, string ReportDirectory, int WorldSize, int Batch, int GradAccum, int Steps,
    string Model = "tiny", int Context = 32, ulong Seed = 11, double Lr = 3e-3, double Dropout = 0,
    double BucketMb = 25, double TimeoutSeconds = 60, int Port = 0, int ReferencePort = 0, int Threads = 1,
    bool RecordInputs = false, int CheckEvery = 10, int BandwidthIterations = 0, int NudgeRank1AfterStep = -1);

/// <summary>One rank's account of its run: losses, timings, final weights hash and, when asked, its inputs.</summary>
public sealed record DataParallelReport(
    int Rank, int WorldSize, long Parameters, long TokensPerStep, int Buckets, List<double> Losses, List<double> StepSeconds,
    List<double> CollectiveSeconds, string WeightsHash, List<long[][]>? Inputs, double[]? OursAllReduceSeconds,
    double[]? ReferenceAllReduceSeconds, long AllReduceBytes)
{
    public static string PathFor(string directory, int rank) => Path.Combine(directory, $"rank-{rank}.json");
}

/// <summary>`stlm debug dp-worker`: one rank of a data-parallel run (started by <see cref="DataParallelLaunch"/>).</summary>
public static class DataParallelWorker
{
    public static readonly ModelConfig Tiny = new()
    {
        NLayers = 2, DModel = 32, NHeads = 4, NKvHeads = 2, FfnHidden = 64, ContextLength = 32, VocabSize = 258, Dropout = 0,
    };

    public static int Run(DataParallelSpec spec, int rank)
    {
        Torch.Threads.IntraOp = spec.Threads;
        var config = (spec.Model == "tiny" ? Tiny : TrainBenchmark.Preset(spec.Model) with { VocabSize = Tiny.VocabSize })
            with { ContextLength = spec.Context, Dropout = spec.Dropout };
        Torch.ManualSeed(spec.Seed);
        var model = new LlamaForCausalLM(config, spec.Seed);
        // Dropout masks must differ between ranks; rank 0 keeps the single-process stream.
        if (rank > 0) Torch.ManualSeed(spec.Seed ^ (0x9E3779B97F4A7C15UL * (ulong)rank));
        using var optimizer = TrainStep.AdamWFor(model, new AdamWOptions(Lr: spec.Lr, Beta2: 0.95, WeightDecay: 0.1));
        using var data = TokenDataset.Open(spec.DataDirectory, DataSplit.Train, config.ContextLength);
        var batches = StepBatches.ForRank(data, spec.Batch, spec.GradAccum, spec.Seed, new RankSlice(rank, spec.WorldSize));
        var timeout = TimeSpan.FromSeconds(spec.TimeoutSeconds);
        var bucketBytes = (long)(spec.BucketMb * 1024 * 1024);
        var stepOptions = new TrainStepOptions(spec.GradAccum, GradClip: 1.0);
        ILanguageModel lm = model;

        using var group = spec.WorldSize > 1
            ? ProcessGroup.Create(new ProcessGroupOptions(rank, spec.WorldSize, "127.0.0.1", spec.Port, Backend.Gloo, timeout))
            : null;
        using var parallel = group is null ? null : new DataParallelStep(group, lm, optimizer, stepOptions, bucketBytes);
        var single = parallel is null ? new TrainStep(lm, optimizer, stepOptions) : null;
        parallel?.CheckRanksAgree(model, 0);

        var noEarlyExit = new EarlyExitPolicy([0.0, 0.0], [0.0, 1.0]);
        var (losses, stepSeconds, collectiveSeconds) = (new List<double>(), new List<double>(), new List<double>());
        List<long[][]>? inputs = spec.RecordInputs ? [] : null;
        long tokensPerStep = 0;
        var cursor = DataCursor.Start;
        for (var step = 0; step < spec.Steps; step++)
        {
            var (micro, next) = batches.Read(cursor);
            inputs?.Add([.. micro.Select(m => m.Inputs)]);
            var schedule = new ScheduleValues(step, spec.Lr * Math.Min(1.0, (step + 1) / 10.0), spec.Dropout, noEarlyExit);
            var clock = Stopwatch.StartNew();
            var result = parallel?.Run(schedule, micro) ?? single!.Run(schedule, micro);
            stepSeconds.Add(clock.Elapsed.TotalSeconds);
            collectiveSeconds.Add(parallel?.LastCollectiveTime.TotalSeconds ?? 0);
            losses.Add(result.Loss);
            tokensPerStep = result.Tokens;
            cursor = next;
            if (step == spec.NudgeRank1AfterStep && rank == 1)
                using (Torch.NoGrad()) optimizer.Parameters[0].MulInPlace(1.001);
            Console.Out.WriteLine($"step {step} loss {result.Loss:R}");
            Console.Out.Flush();
            if (parallel is not null && spec.CheckEvery > 0 && (step + 1) % spec.CheckEvery == 0) parallel.CheckRanksAgree(model, step + 1);
        }
        parallel?.CheckRanksAgree(model, spec.Steps);

        var parameters = optimizer.Parameters.Sum(p => p.NumEl);
        double[]? ours = null, reference = null;
        if (group is not null && spec.BandwidthIterations > 0)
            (ours, reference) = MeasureAllReduce(group, lm, optimizer, batches.Read(cursor).MicroBatches[0], bucketBytes, parameters, spec, timeout);

        var report = new DataParallelReport(rank, spec.WorldSize, parameters, tokensPerStep, parallel?.BucketCount ?? 0, losses, stepSeconds,
            collectiveSeconds, WeightsHash.Hex(model), inputs, ours, reference, parameters * sizeof(float));
        File.WriteAllText(DataParallelReport.PathFor(spec.ReportDirectory, rank), JsonSerializer.Serialize(report));
        return 0;
    }

    /// <summary>
    /// Times the training path (real gradients, bucketed: copy into the flat buffer, all-reduce
    /// (a sum: each rank's loss was divided by the world size), hand back as views) against the bare C++ Gloo all-reduce of a buffer of the same
    /// size on its own group, in turns (the order alternating), so load from elsewhere hits both alike.
    /// </summary>
    static (double[] Ours, double[] Reference) MeasureAllReduce(ProcessGroup group, ILanguageModel lm, Optimizer optimizer, MicroBatch micro,
        long bucketBytes, long numel, DataParallelSpec spec, TimeSpan timeout)
    {
        using (var scope = TorchScope.Begin())
        {
            var (x, y) = micro.ToTensors(Device.Cpu);
            lm.Loss(x, y).Backward();
        }
        using var buckets = new GradientBuckets(optimizer.Parameters, bucketBytes);
        using var bare = new GlooReference("127.0.0.1", spec.ReferencePort, group.Rank, group.WorldSize, numel, timeout);
        buckets.Sum(group);
        var (ours, reference) = (new double[spec.BandwidthIterations], new double[spec.BandwidthIterations]);
        for (var i = 0; i < ours.Length; i++)
        {
            if (i % 2 == 1) reference[i] = bare.AllReduceSeconds(1)[0];
            var clock = Stopwatch.StartNew();
            buckets.Sum(group);
            ours[i] = clock.Elapsed.TotalSeconds;
            if (i % 2 == 0) reference[i] = bare.AllReduceSeconds(1)[0];
        }
        optimizer.ZeroGrad();
        return (ours, reference);
    }
}
