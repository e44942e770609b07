using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch.Distributed;

public enum Backend
{
    /// <summary>c10d Gloo: CPU tensors, over TCP; every libtorch has it.</summary>
    Gloo = 0,
    /// <summary>NCCL: CUDA tensors; only CUDA builds of libtorch have it.</summary>
    Nccl = 1,
}

public enum ReduceOp
{
    Sum = 0,
    /// <summary>The mean over ranks (NCCL natively; Gloo as a sum divided by the world size).</summary>
    Avg = 1,
    Max = 2,
    Min = 3,
    Product = 4,
}

/// <summary>Where a group meets: rank 0 serves a TCP store on MasterAddress:MasterPort.</summary>
public sealed record ProcessGroupOptions(
    int Rank, int WorldSize, string MasterAddress = "127.0.0.1", int MasterPort = 29500,
    Backend Backend = Backend.Gloo, TimeSpan? Timeout = null)
{
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromMinutes(5);
}

/// <summary>
/// A c10d process group: every rank creates one with the same master and world size, and the
/// collectives then run across all of them. Calls are synchronous and must be made by every rank
/// in the same order. Gloo's interface can be pinned with GLOO_SOCKET_IFNAME, as in torch.
/// </summary>
public sealed unsafe class ProcessGroup : IDisposable
{
    nint handle;

    ProcessGroup(nint handle, ProcessGroupOptions options)
    {
        this.handle = handle;
        Options = options;
    }

    public ProcessGroupOptions Options { get; }
    public int Rank => Options.Rank;
    public int WorldSize => Options.WorldSize;

    public static bool NcclAvailable => Native.stlm_pg_nccl_available() != 0;

    /// <summary>Joins the group; returns once all WorldSize ranks are there (or throws at the timeout).</summary>
    public static ProcessGroup Create(ProcessGroupOptions options)
    {
        var h = Native.stlm_pg_new((int)options.Backend, options.MasterAddress, options.MasterPort, options.Rank,
            options.WorldSize, (long)options.EffectiveTimeout.TotalMilliseconds);
        if (h == 0)
        {
            var reason = TorchException.FromLastError().Message;
            throw new TorchException(
                $"rank {options.Rank} of {options.WorldSize} could not join the {options.Backend} group at {options.MasterAddress}:{options.MasterPort}: {reason}");
        }
        return new ProcessGroup(h, options);
    }

    /// <summary>Reduces the tensor across ranks in place: afterwards every rank holds the result.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce([tensor], op);

    /// <summary>Reduces several tensors (one dtype and device) in one collective, e.g. all gradients.</summary>
    public void AllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum)
    {
        var handles = Handles(tensors);
        fixed (nint* h = handles) Native.Check(Native.stlm_pg_allreduce(Handle, h, handles.Length, (int)op));
    }

    /// <summary>Copies the root rank's values into every rank's tensor (e.g. initial weights).</summary>
    public void Broadcast(Tensor tensor, int root = 0) => Broadcast([tensor], root);

    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0)
    {
        var handles = Handles(tensors);
        fixed (nint* h = handles) Native.Check(Native.stlm_pg_broadcast(Handle, h, handles.Length, root));
    }

    /// <summary>Returns when every rank has called it.</summary>
    public void Barrier() => Native.Check(Native.stlm_pg_barrier(Handle));

    static nint[] Handles(IReadOnlyList<Tensor> tensors)
    {
        var handles = new nint[tensors.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = tensors[i].Handle;
        return handles;
    }

    nint Handle => handle != 0 ? handle : throw new ObjectDisposedException(nameof(ProcessGroup));

    public void Dispose()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_pg_free(h);
        GC.SuppressFinalize(this);
    }

    ~ProcessGroup()
    {
        var h = handle;
        handle = 0;
        if (h != 0) Native.stlm_pg_free(h);
    }
}
