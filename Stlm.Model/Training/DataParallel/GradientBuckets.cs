using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;

namespace Stlm.Model.Training.DataParallel;

/// <summary>
/// Sums the gradients across ranks in place, a bucket at a time, with no copy in or out:
/// consecutive parameters are grouped until a bucket holds about <c>bucketBytes</c>, each bucket
/// is one flat buffer, and every parameter's gradient is a view of its bucket (its slot), so
/// backward accumulates straight into the buffer that is all-reduced. The buffers live as long as
/// this object, so no step allocates them anew; buckets bound their size.
/// </summary>
/// <remarks>
/// Before backward (<see cref="Prepare"/>) the slots are filled with −0.0, not +0.0: −0.0 is the
/// exact additive identity of IEEE floats (−0 + x is x for every x, −0 included), so each slot
/// ends with the very bits backward would have given a gradient of its own, and a rank whose
/// backward skipped a parameter adds nothing to the other ranks' gradient of it.
/// Build it outside any <see cref="TorchScope"/>: its buffers must outlive the caller's scopes.
/// </remarks>
public sealed class GradientBuckets : IDisposable
{
    sealed record Bucket(Tensor[] Parameters, int First, Tensor Flat, Tensor[] Slots);

    readonly Bucket[] buckets;
    readonly GradientReceipts receipts;
    readonly bool[] received;
    readonly byte[] receivedHere;
    readonly Device device;

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
        var first = 0;
        buckets = new Bucket[groups.Count];
        for (var b = 0; b < buckets.Length; b++)
        {
            buckets[b] = NewBucket(groups[b], first);
            first += groups[b].Count;
        }
        receipts = new GradientReceipts(parameters);
        received = new bool[parameters.Count];
        receivedHere = new byte[parameters.Count];
        device = parameters.Count > 0 ? parameters[0].Device : Device.Cpu;
    }

    static Bucket NewBucket(List<Tensor> parameters, int first)
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
        return new Bucket([.. parameters], first, flat, slots);
    }

    public int Count => buckets.Length;

    /// <summary>
    /// Before a step's first backward: every parameter's gradient becomes its slot, filled with −0.0,
    /// for backward to accumulate into. Any gradient the parameters had is dropped.
    /// </summary>
    public void Prepare()
    {
        foreach (var bucket in buckets)
        {
            bucket.Flat.FillInPlace(-0.0);
            for (var i = 0; i < bucket.Slots.Length; i++) bucket.Parameters[i].Grad = bucket.Slots[i];
        }
        receipts.Take(received); // forgets backward passes before this step
    }

    /// <summary>
    /// After the step's backward (<see cref="Prepare"/> came before it): replaces every
    /// parameter's gradient by its sum over the ranks, in place — the mean when each rank's loss
    /// was divided by the world size (<see cref="TrainStep.SummedOverRanks"/>).
    /// </summary>
    /// <remarks>
    /// A parameter that received a gradient on no rank (unused this step) is left without one, as
    /// plain backward would leave it, so the optimizer skips it; one that some rank used gets the
    /// sum on every rank, the others adding −0.0. Ranks need not agree on which parameters their
    /// backward reached (a data-dependent path would make them differ): the receipts are
    /// all-reduced too, one byte a parameter, so every rank makes the same choice and the weights stay identical.
    /// </remarks>
    public void Sum(ProcessGroup group)
    {
        receipts.Take(received);
        var usedAnywhere = UsedOnAnyRank(group);
        foreach (var bucket in buckets)
        {
            for (var i = 0; i < bucket.Slots.Length; i++)
                if (!usedAnywhere[bucket.First + i]) bucket.Parameters[i].Grad = null;
            group.AllReduce(bucket.Flat, ReduceOp.Sum);
        }
    }

    /// <summary>Whether each parameter received a gradient on at least one rank (the receipts reduced by max).</summary>
    bool[] UsedOnAnyRank(ProcessGroup group)
    {
        for (var i = 0; i < received.Length; i++) receivedHere[i] = received[i] ? (byte)1 : (byte)0;
        using var scope = TorchScope.Begin();
        var flags = Torch.From(receivedHere, receivedHere.Length);
        if (device != Device.Cpu) flags = flags.To(device);
        group.AllReduce(flags, ReduceOp.Max);
        var anywhere = flags.Cpu().ToArray<byte>();
        var used = new bool[anywhere.Length];
        for (var i = 0; i < used.Length; i++) used[i] = anywhere[i] != 0;
        return used;
    }

    public void Dispose()
    {
        receipts.Dispose();
        foreach (var bucket in buckets)
        {
            foreach (var slot in bucket.Slots) slot.Dispose();
            bucket.Flat.Dispose();
        }
    }
}
