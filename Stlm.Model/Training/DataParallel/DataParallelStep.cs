using System.Diagnostics;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// One data-parallel optimizer step on this rank: <see cref="TrainStep"/> over this rank's slice
/// of the global batch, with the gradients averaged across ranks between backward and clip (so
/// the clip, the non-finite check and the optimizer see the same gradients on every rank and
/// step identically), then the loss averaged so every rank reports the global batch's mean loss.
/// A collective that fails (a rank died, or none answered within the group's timeout) ends the
/// step with one <see cref="StlmException"/> line instead of a hang.
/// </summary>
public sealed class DataParallelStep : IDisposable
{
    readonly ProcessGroup group;
    readonly GradientBuckets buckets;
    readonly Stopwatch collectives = new();

    public DataParallelStep(ProcessGroup group, ILanguageModel model, Optimizer optimizer, TrainStepOptions options, long bucketBytes)
    {
        this.group = group;
        buckets = new GradientBuckets(optimizer.Parameters, bucketBytes);
        GradientElements = optimizer.Parameters.Sum(p => p.NumEl);
        Step = new TrainStep(model, optimizer, options)
        {
            SummedOverRanks = group.WorldSize,
            GradientsExpected = buckets.Prepare,
            GradientsReady = schedule => Collective("averaging the gradients", schedule.Step, () => buckets.Sum(group)),
        };
    }

    public TrainStep Step { get; }
    public int Rank => group.Rank;
    public int WorldSize => group.WorldSize;
    public int BucketCount => buckets.Count;

    /// <summary>Floats all-reduced per step: every parameter's gradient.</summary>
    public long GradientElements { get; }

    /// <summary>Time this rank spent in collectives (waiting for peers included) during the last <see cref="Run"/>.</summary>
    public TimeSpan LastCollectiveTime { get; private set; }

    /// <summary>The step on this rank's micro-batches; the result's loss and tokens are the global batch's.</summary>
    public StepResult Run(ScheduleValues schedule, IReadOnlyList<MicroBatch> microBatches, bool skipNonFinite = false)
    {
        collectives.Reset();
        var local = Step.Run(schedule, microBatches, skipNonFinite);
        var loss = local.Loss;
        Collective("averaging the loss", schedule.Step, () =>
        {
            using var scope = TorchScope.Begin();
            var value = Torch.From([local.Loss], 1);
            group.AllReduce(value, ReduceOp.Avg);
            loss = value.ToArray<double>()[0];
        });
        LastCollectiveTime = collectives.Elapsed;
        return local with { Loss = loss, Tokens = local.Tokens * WorldSize };
    }

    /// <summary>
    /// For `stlm bench data-parallel`, on every rank together, after the steps: the seconds of
    /// each training all-reduce (<see cref="GradientBuckets.Sum"/> as a step calls it, after a
    /// backward that reached every parameter) and of the bare C++ Gloo all-reduce of as many floats
    /// on <paramref name="bare"/>'s own group, in pairs with the order alternating, so load from
    /// elsewhere hits both alike; and the seconds of each <see cref="GradientBuckets.Prepare"/>,
    /// which a step spends before its backward. It leaves summed zero gradients: no step may follow.
    /// </summary>
    public (double[] Ours, double[] Bare, double[] Prepare) TimeAllReduce(GlooReference bare, int iterations)
    {
        var (ours, reference, prepare) = (new double[iterations], new double[iterations], new double[iterations]);
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            buckets.Prepare();
            prepare[i] = clock.Elapsed.TotalSeconds;
            BackwardThroughEveryParameter();
            // Each all-reduce starts from a barrier of its own group (the bare one's is in C++): the
            // ranks leave backward, and any all-reduce, apart, and without one the second of a pair
            // would wait that gap out (measured: 0.4–1.5 ms, on either side).
            if (i % 2 == 1) reference[i] = bare.AllReduceSeconds(1)[0];
            group.Barrier();
            clock.Restart();
            buckets.Sum(group);
            ours[i] = clock.Elapsed.TotalSeconds;
            if (i % 2 == 0) reference[i] = bare.AllReduceSeconds(1)[0];
        }
        return (ours, reference, prepare);
    }

    /// <summary>A backward whose gradients are all zero and reach every parameter, as a step's backward reaches them.</summary>
    void BackwardThroughEveryParameter()
    {
        using var scope = TorchScope.Begin();
        Tensor? total = null;
        foreach (var p in Step.Optimizer.Parameters) total = total is null ? p.Sum() : total + p.Sum();
        (total! * 0.0).Backward();
    }

    /// <summary>
    /// Checks that every rank holds bit-identical weights: rank 0's hash is broadcast, each rank
    /// compares, and the verdicts are summed so that every rank fails together, naming the ranks.
    /// </summary>
    public void CheckRanksAgree(Nn.Module module, long step)
    {
        var mine = WeightsHash.Of(module);
        var differing = Array.Empty<int>();
        Collective("comparing weight hashes", step, () =>
        {
            using var scope = TorchScope.Begin();
            var hash = Torch.From(mine, mine.Length);
            group.Broadcast(hash, root: 0);
            var verdicts = new float[WorldSize];
            verdicts[Rank] = hash.ToArray<byte>().AsSpan().SequenceEqual(mine) ? 0 : 1;
            var all = Torch.From(verdicts, WorldSize);
            group.AllReduce(all, ReduceOp.Sum);
            differing = [.. all.ToArray<float>().Select((v, r) => (v, r)).Where(x => x.v != 0).Select(x => x.r)];
        });
        if (differing.Length > 0)
            throw new RanksDivergedException(
                $"data-parallel ranks diverged at step {step}: the weights of rank(s) {string.Join(", ", differing)} differ from rank 0's " +
                $"(rank {Rank} hash {Convert.ToHexStringLower(mine)[..16]}…); the run stops — resume it from the last checkpoint, and report it if it recurs");
    }

    /// <summary>
    /// Every rank's CPU generator state, rank 0 first, on every rank (one all-reduce of the states
    /// laid side by side): rank 0 writes them all into the checkpoint.
    /// </summary>
    public IReadOnlyList<byte[]> GatherGeneratorStates(byte[] mine, long step)
    {
        var all = new byte[WorldSize][];
        Collective("gathering the generator states", step, () =>
        {
            using var scope = TorchScope.Begin();
            // float32 holds every byte value exactly, and Gloo sums it on every build.
            var laid = new float[WorldSize * mine.Length];
            for (var i = 0; i < mine.Length; i++) laid[Rank * mine.Length + i] = mine[i];
            var tensor = Torch.From(laid, laid.Length);
            group.AllReduce(tensor, ReduceOp.Sum);
            var summed = tensor.ToArray<float>();
            for (var r = 0; r < WorldSize; r++)
                all[r] = [.. summed.AsSpan(r * mine.Length, mine.Length).ToArray().Select(v => (byte)v)];
        });
        return all;
    }

    public void Dispose() => buckets.Dispose();

    internal void Collective(string what, long step, Action action)
    {
        collectives.Start();
        try { action(); }
        catch (TorchException e)
        {
            var reason = e.Message.Split('\n', 2)[0].Trim();
            throw new RankLostException(
                $"data-parallel rank {Rank} of {WorldSize}: {what} at step {step} failed — another rank died or did not answer within " +
                $"{group.Options.EffectiveTimeout.TotalSeconds:0.#}s (training.data-parallel.timeout): {reason}");
        }
        finally { collectives.Stop(); }
    }
}

/// <summary>A collective failed: another rank died or did not answer within the group's timeout. The run is resumable.</summary>
public sealed class RankLostException(string message) : StlmException(message);

/// <summary>The ranks' weights are not bit-identical: the run's trajectory is no longer one run's.</summary>
public sealed class RanksDivergedException(string message) : StlmException(message);
