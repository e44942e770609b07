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
/// What every rank of a step-level data-parallel test run is told (as JSON on its command line):
/// the bare <see cref="DataParallelStep"/> over fixed schedule values, recording each step's
/// inputs, with no run around it (`stlm bench data-parallel` times the run's own rank path instead).
/// <see cref="Batch"/> is each rank's rows per micro-batch; a world of 1 runs the plain
/// <see cref="TrainStep"/> with no group, as the single-process reference.
/// <see cref="NudgeRank1AfterStep"/> is a fault for the tests: rank 1 scales its first weight
/// slightly after that step, which the next weights-hash check must catch.
/// </summary>
public sealed record DataParallelSpec(
    string DataDirectory, string ReportDirectory, int WorldSize, int Batch, int GradAccum, int Steps,
    string Model = "tiny", int Context = 32, ulong Seed = 11, double Lr = 3e-3, double Dropout = 0,
    double BucketMb = 25, double TimeoutSeconds = 60, int Port = 0, int Threads = 1,
    bool RecordInputs = false, int CheckEvery = 10, int NudgeRank1AfterStep = -1);

/// <summary>One rank's account of its run: losses, timings, final weights hash and, when asked, its inputs.</summary>
public sealed record DataParallelReport(
    int Rank, int WorldSize, long Parameters, long TokensPerStep, int Buckets, List<double> Losses, List<double> StepSeconds,
    List<double> CollectiveSeconds, string WeightsHash, List<long[][]>? Inputs)
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
        var report = new DataParallelReport(rank, spec.WorldSize, parameters, tokensPerStep, parallel?.BucketCount ?? 0, losses, stepSeconds,
            collectiveSeconds, WeightsHash.Hex(model), inputs);
        File.WriteAllText(DataParallelReport.PathFor(spec.ReportDirectory, rank), JsonSerializer.Serialize(report));
        return 0;
    }
}
