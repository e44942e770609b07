using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Training;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Actors.Training.Recipe;

/// <summary>The recipe's data-parallel side: each rank's share of the data, its step and its dropout stream.</summary>
public sealed partial record TrainingRecipe
{
    public int WorldSize => Training.DataParallel.WorldSize;

    /// <summary>
    /// Rank <paramref name="rank"/>'s micro-batches of each step in the sampler's order, a pure
    /// function of data.seed and the cursor: the whole batch for one process, else the rank's rows
    /// of the global batch (world-size × batch-size rows per micro-batch; the cursor stays global).
    /// </summary>
    public StepBatches Batches(TokenDataset train, int rank = 0) =>
        StepBatches.ForRank(train, Training.BatchSize, Training.GradAccum, DataSeed, new RankSlice(rank, WorldSize));

    /// <summary>The step of one rank of a group: <see cref="BuildStep"/>'s options, the gradients averaged across the ranks.</summary>
    public DataParallelStep BuildDataParallelStep(ProcessGroup group, ILanguageModel model, Optimizer optimizer) =>
        new(group, model, optimizer, Training.StepOptions with { Precision = Precision }, Training.DataParallel.BucketBytes);

    /// <summary>
    /// Seeds rank <paramref name="rank"/>'s generator for its own dropout masks when it has no
    /// saved state (a new run, or a fork to more ranks than its checkpoint has): a pure function
    /// of (torch.seed, rank, step). Rank 0 keeps the stream <see cref="BuildModel()"/> left, as one process.
    /// </summary>
    public void SeedRankGenerator(int rank, long step)
    {
        if (rank == 0) return;
        Torch.ManualSeed(TorchSeed ^ (0x9E3779B97F4A7C15UL * (ulong)rank) ^ ((ulong)step * 0xBF58476D1CE4E5B9UL));
    }

    /// <summary>
    /// The group this rank joins: rank 0's store at <paramref name="host"/>:<paramref name="port"/>
    /// (loopback on one machine), the configured timeout; NCCL for a run on GPUs (each rank on a
    /// device of its own), Gloo on the CPU.
    /// </summary>
    public ProcessGroupOptions GroupOptions(int rank, string host, int port) =>
        new(rank, WorldSize, host, port, Device.IsCuda ? Backend.Nccl : Backend.Gloo, Training.DataParallel.Timeout);

    /// <summary>
    /// Where rank <paramref name="rank"/> trains when every rank runs on this machine: one GPU
    /// each, counting up from torch.device's (rank 0 on "cuda:1", rank 1 on "cuda:2", …); on the
    /// CPU, the CPU. A GPU trainer node gives its rank a device of its own instead.
    /// </summary>
    public Device DeviceOfRank(int rank) => Device.IsCuda ? Device.Cuda(Device.Index + rank) : Device;
}
