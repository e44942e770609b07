using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// Averages the gradients across ranks, a bucket at a time: consecutive parameters are grouped
/// until a bucket holds about <c>bucketBytes</c>, and each bucket's gradients are flattened into
/// one buffer, all-reduced, divided by the world size and copied back (one collective per
/// bucket, in <see cref="ProcessGroup.AllReduce(IReadOnlyList{Tensor}, ReduceOp)"/>). Buckets bound
/// the extra memory of the flat copy; few buckets keep the per-collective latency low.
/// </summary>
public sealed class GradientBuckets
{
    readonly Tensor[][] buckets;

    public GradientBuckets(IReadOnlyList<Tensor> parameters, long bucketBytes)
    {
        if (bucketBytes < 1) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "a bucket must hold at least one byte");
        var all = new List<Tensor[]>();
        var current = new List<Tensor>();
        long bytes = 0;
        foreach (var p in parameters)
        {
            var size = p.NumEl * p.ElementSize;
            // A bucket holds one dtype (one flat buffer); a parameter larger than a bucket travels alone.
            if (current.Count > 0 && (bytes + size > bucketBytes || p.DType != current[0].DType))
            {
                all.Add([.. current]);
                (current, bytes) = ([], 0);
            }
            current.Add(p);
            bytes += size;
        }
        if (current.Count > 0) all.Add([.. current]);
        buckets = [.. all];
    }

    public int Count => buckets.Length;

    /// <summary>Replaces every parameter's gradient by its mean over the group's ranks.</summary>
    /// <remarks>
    /// A parameter without a gradient (unused this step) is left out; every rank runs the same
    /// code on the same schedule, so all ranks leave out the same ones.
    /// </remarks>
    public void Average(ProcessGroup group)
    {
        foreach (var bucket in buckets)
        {
            using var scope = TorchScope.Begin();
            var grads = new List<Tensor>(bucket.Length);
            foreach (var p in bucket)
                if (p.Grad is { } g) grads.Add(g);
            if (grads.Count > 0) group.AllReduce(grads, ReduceOp.Avg);
        }
    }
}
