using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// Averages the gradients across ranks, a bucket at a time: consecutive parameters are grouped
/// until a bucket holds about <c>bucketBytes</c>, and each step every bucket's gradients are
/// copied into the bucket's flat buffer, all-reduced there in one collective, divided by the
/// world size, and handed back to the parameters as views of that buffer (no copy back). The
/// buffers live as long as this object, so no step allocates them anew; buckets bound their size.
/// </summary>
/// <remarks>Build it outside any <see cref="TorchScope"/>: its buffers must outlive the caller's scopes.</remarks>
public sealed class GradientBuckets : IDisposable
{
    sealed record Bucket(Tensor[] Parameters, Tensor Flat, Tensor[] Slots);

    readonly Bucket[] buckets;

    public GradientBuckets(IReadOnlyList<Tensor> parameters, long bucketBytes)
    {
        if (bucketBytes < 1) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, "a bucket must hold at least one byte");
        var groups = new List<List<Tensor>>();
        long bytes = 0;
        foreach (var p in parameters)
        {
            var size = p.NumEl * p.ElementSize;
            // A bucket holds one dtype and device (one flat buffer); a parameter larger than a bucket travels alone.
            if (groups.Count == 0 || bytes + size > bucketBytes || p.DType != groups[^1][0].DType || p.Device != groups[^1][0].Device)
            {
                groups.Add([]);
                bytes = 0;
            }
            groups[^1].Add(p);
            bytes += size;
        }
        buckets = [.. groups.Select(NewBucket)];
    }

    static Bucket NewBucket(List<Tensor> parameters)
    {
        var flat = Torch.Zeros([parameters.Sum(p => p.NumEl)], parameters[0].DType, parameters[0].Device);
        var slots = new Tensor[parameters.Count];
        long offset = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            var p = parameters[i];
            using (var scope = TorchScope.Begin())
                slots[i] = scope.Keep(flat.Narrow(0, offset, p.NumEl).View(p.Shape));
            offset += p.NumEl;
        }
        return new Bucket([.. parameters], flat, slots);
    }

    public int Count => buckets.Length;

    /// <summary>Replaces every parameter's gradient by its mean over the group's ranks.</summary>
    /// <remarks>
    /// A parameter without a gradient (unused this step) counts as zero in its bucket and is left
    /// without one; every rank runs the same code on the same schedule, so all ranks agree on which.
    /// </remarks>
    public void Average(ProcessGroup group) => Reduce(group, ReduceOp.Avg);

    /// <summary>
    /// Replaces every parameter's gradient by its sum over the ranks: the mean when each rank's
    /// loss was divided by the world size (<see cref="TrainStep.SummedOverRanks"/>), which spares
    /// Gloo's averaging a division pass over every bucket.
    /// </summary>
    public void Sum(ProcessGroup group) => Reduce(group, ReduceOp.Sum);

    void Reduce(ProcessGroup group, ReduceOp op)
    {
        foreach (var bucket in buckets)
        {
            using var scope = TorchScope.Begin();
            var had = new bool[bucket.Slots.Length];
            for (var i = 0; i < had.Length; i++)
            {
                var grad = bucket.Parameters[i].Grad;
                had[i] = grad is not null;
                if (grad is null) bucket.Slots[i].ZeroInPlace();
                else bucket.Slots[i].CopyInPlace(grad);
            }
            group.AllReduce(bucket.Flat, op);
            for (var i = 0; i < had.Length; i++)
                if (had[i]) bucket.Parameters[i].Grad = bucket.Slots[i];
        }
    }

    public void Dispose()
    {
        foreach (var bucket in buckets)
        {
            foreach (var slot in bucket.Slots) slot.Dispose();
            bucket.Flat.Dispose();
        }
    }
}
