using Stlm.Model.LibTorch;

namespace Stlm.Model.LibTorch.Distributed;

/// <summary>
/// A fixed sequence of collectives that every rank of a group runs: all-reduce sum, avg (two
/// tensors in one call) and max, a broadcast from rank 0 and a barrier. Rank r contributes
/// values derived from r, so each rank's results can be checked against the closed form.
/// </summary>
public static class CollectivesCheck
{
    public sealed record Results(float[] Sum, float[] AvgA, float[] AvgB, float[] Max, float[] Broadcast);

    public static float[] Contribution(int rank) => [1 + rank, 10 * (rank + 1), -rank];

    public static Results Run(ProcessGroup group)
    {
        using var scope = TorchScope.Begin();
        var mine = Contribution(group.Rank);
        var sum = Torch.From(mine, mine.Length);
        group.AllReduce(sum, ReduceOp.Sum);
        var avgA = Torch.From(mine, mine.Length);
        var avgB = Torch.From([group.Rank * 2f, 4f], 2, 1);
        group.AllReduce([avgA, avgB], ReduceOp.Avg);
        var max = Torch.From(mine, mine.Length);
        group.AllReduce(max, ReduceOp.Max);
        var broadcast = Torch.Full([2], group.Rank + 100.0);
        group.Broadcast(broadcast, root: 0);
        group.Barrier();
        return new Results(sum.ToArray<float>(), avgA.ToArray<float>(), avgB.ToArray<float>(), max.ToArray<float>(),
            broadcast.ToArray<float>());
    }
}
