using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>
/// libtorch's default random generators (one for the CPU, one per CUDA device): seeds and full
/// states. A state is an opaque uint8 tensor (the CPU one is 5056 bytes on libtorch 1.13): saving
/// it and setting it back later replays the same random numbers — dropout masks, randn, sampling.
/// </summary>
public static unsafe class Rng
{
    /// <summary>Seeds every generator (CPU and all CUDA devices), as torch.manual_seed.</summary>
    public static void ManualSeed(ulong seed) => Native.Check(Native.stlm_manual_seed(seed));

    /// <summary>Seeds one device's generator only.</summary>
    public static void Seed(Device device, ulong seed) =>
        Native.Check(Native.stlm_rng_seed_device((int)device.Type, device.Index, seed));

    /// <summary>The seed the device's generator was last seeded with.</summary>
    public static ulong InitialSeed(Device device)
    {
        ulong seed;
        Native.Check(Native.stlm_rng_initial_seed((int)device.Type, device.Index, &seed));
        return seed;
    }

    /// <summary>A copy of the device's generator state (a 1-D uint8 CPU tensor).</summary>
    public static Tensor GetState(Device device) =>
        Tensor.FromHandle(Native.stlm_rng_get_state((int)device.Type, device.Index));

    /// <summary>Puts the device's generator back in a state from <see cref="GetState"/>.</summary>
    public static void SetState(Device device, Tensor state) =>
        Native.Check(Native.stlm_rng_set_state((int)device.Type, device.Index, state.Handle));

    public static byte[] GetStateBytes(Device device)
    {
        using var state = GetState(device);
        return state.ToArray<byte>();
    }

    public static void SetStateBytes(Device device, ReadOnlySpan<byte> state)
    {
        using var tensor = Torch.From(state, [state.Length], DType.UInt8);
        SetState(device, tensor);
    }

    /// <summary>Every generator's state at once: the CPU one and, when CUDA works, each device's.</summary>
    public static RngSnapshot Capture()
    {
        var cuda = new List<byte[]>();
        if (Torch.CudaIsAvailable)
            for (var i = 0; i < Torch.CudaDeviceCount; i++)
                cuda.Add(GetStateBytes(Device.Cuda(i)));
        return new RngSnapshot(GetStateBytes(Device.Cpu), cuda);
    }

    /// <summary>Restores a <see cref="Capture"/>; the CUDA device count must match.</summary>
    public static void Restore(RngSnapshot snapshot)
    {
        var devices = Torch.CudaIsAvailable ? Torch.CudaDeviceCount : 0;
        if (snapshot.Cuda.Count != devices)
            throw new StlmException(
                $"the saved random state covers {snapshot.Cuda.Count} CUDA device(s) but this process sees {devices}; resume on the same kind of machine or start a fresh run");
        SetStateBytes(Device.Cpu, snapshot.Cpu);
        for (var i = 0; i < devices; i++)
            SetStateBytes(Device.Cuda(i), snapshot.Cuda[i]);
    }
}

/// <summary>
/// The states of all of a process's generators, as bytes (see <see cref="Rng.Capture"/>). A
/// data-parallel checkpoint also holds the other ranks' CPU generators (<see cref="OtherRanks"/>,
/// rank 1 first): each rank draws its own dropout masks, and each resumes its own stream.
/// </summary>
public sealed record RngSnapshot(byte[] Cpu, IReadOnlyList<byte[]> Cuda)
{
    const string CpuName = "rng.cpu";
    const string CudaPrefix = "rng.cuda.";

    /// <summary>Ranks 1.. of a data-parallel run: their CPU generator states (empty for one process).</summary>
    public IReadOnlyList<byte[]> OtherRanks { get; init; } = [];

    /// <summary>The tensor name of rank <paramref name="rank"/>'s CPU state (rank 1 and up).</summary>
    public static string RankCpuName(int rank) => $"rng.rank.{rank}.cpu";

    /// <summary>Rank <paramref name="rank"/>'s generators, or null when the checkpoint was written by fewer ranks.</summary>
    public RngSnapshot? ForRank(int rank) =>
        rank == 0 ? this with { OtherRanks = [] }
        : rank - 1 < OtherRanks.Count ? new RngSnapshot(OtherRanks[rank - 1], []) : null;

    /// <summary>Named uint8 tensors (rng.cpu, rng.cuda.N, rng.rank.R.cpu) for a checkpoint file.</summary>
    public IReadOnlyDictionary<string, Tensor> ToTensors()
    {
        var named = new Dictionary<string, Tensor> { [CpuName] = Torch.From<byte>(Cpu, [Cpu.Length], DType.UInt8) };
        for (var i = 0; i < Cuda.Count; i++)
            named[CudaPrefix + i] = Torch.From<byte>(Cuda[i], [Cuda[i].Length], DType.UInt8);
        for (var r = 1; r <= OtherRanks.Count; r++)
            named[RankCpuName(r)] = Torch.From<byte>(OtherRanks[r - 1], [OtherRanks[r - 1].Length], DType.UInt8);
        return named;
    }

    public static RngSnapshot FromTensors(IReadOnlyDictionary<string, Tensor> named)
    {
        if (!named.TryGetValue(CpuName, out var cpu))
            throw new StlmException($"the checkpoint has no '{CpuName}' tensor, so its random state cannot be restored; it was written by an older or foreign writer");
        var cuda = new List<byte[]>();
        for (var i = 0; named.TryGetValue(CudaPrefix + i, out var state); i++)
            cuda.Add(state.ToArray<byte>());
        var ranks = new List<byte[]>();
        for (var r = 1; named.TryGetValue(RankCpuName(r), out var state); r++)
            ranks.Add(state.ToArray<byte>());
        return new RngSnapshot(cpu.ToArray<byte>(), cuda) { OtherRanks = ranks };
    }
}
