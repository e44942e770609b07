using System.Diagnostics;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.DataParallel;
using Stlm.Actors.Training.Recipe;
using Stlm.Host.Training;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;

namespace Stlm.Host.Bench;

/// <summary>One timed run of <see cref="RankPathBenchmark"/>: per step, its seconds and (world size 2) rank 0's seconds in collectives.</summary>
public sealed record RankPathRun(long Parameters, long TokensPerStep, int Buckets, List<double> StepSeconds, List<double> CollectiveSeconds,
    double[]? OursAllReduceSeconds = null, double[]? BareAllReduceSeconds = null, double[]? PrepareSeconds = null, long AllReduceBytes = 0);

/// <summary>
/// `stlm bench data-parallel`'s runs, on the path `stlm train --nproc N` takes: the run's recipe
/// builds the model, optimizer and batches; world size 1 is the trainer's own step; world size 2
/// is <see cref="RankLeader"/> here with rank 1 a `stlm debug dp-rank` child (<see cref="RankFollower"/>),
/// each step told to it as a <see cref="RankCommand"/>. No journal, actors or checkpoints: the
/// step as the trainer calls it, timed from rank 0.
/// </summary>
public static class RankPathBenchmark
{
    public static RankPathRun Run(Config config, int steps, int allReduceIterations)
    {
        var recipe = TrainingRecipe.From(config);
        var corpus = recipe.PrepareCorpus(CancellationToken.None);
        using var data = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, recipe.WindowLength);
        var batches = recipe.Batches(data);
        var schedules = recipe.ScheduleSet();
        var model = recipe.BuildModel();
        using var optimizer = recipe.BuildOptimizer(model);
        var parameters = optimizer.Parameters.Sum(p => p.NumEl);
        var port = FreePort();
        using var leader = recipe.WorldSize == 1 ? null
            : new RankLeader(recipe, "127.0.0.1", port, RankProcesses.Launch("bench", recipe.WorldSize, "127.0.0.1", port, config.ToHocon()));
        var single = leader is null ? recipe.BuildStep(model, optimizer) : null;
        leader?.Attach(model, optimizer, 0, null, "");
        var (seconds, waits) = (new List<double>(), new List<double>());
        long tokens = 0;
        var cursor = DataCursor.Start;
        for (var step = 1; step <= steps; step++)
        {
            var (micro, next) = batches.Read(cursor);
            var values = schedules.At(step - 1);
            var clock = Stopwatch.StartNew();
            var result = leader?.Run(step, cursor, values, micro, false) ?? single!.Run(values, micro);
            seconds.Add(clock.Elapsed.TotalSeconds);
            waits.Add(leader?.Step.LastCollectiveTime.TotalSeconds ?? 0);
            tokens = result.Tokens;
            cursor = next;
        }
        if (leader is null) return new RankPathRun(parameters, tokens, 0, seconds, waits);
        var (ours, bare, prepare) = leader.TimeAllReduce(allReduceIterations, FreePort());
        return new RankPathRun(parameters, tokens, leader.Step.BucketCount, seconds, waits, ours, bare, prepare, leader.Step.GradientElements * sizeof(float));
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
