using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// A checkpoint's full state copied out of training: weights and optimizer moments as private
/// contiguous CPU tensors, the optimizer record and the generators' states. <see cref="Capture"/>
/// is the only part the trainer waits for; <see cref="WriteAsync"/> then writes on another thread
/// while training goes on. Dispose frees the copies (after the write).
/// </summary>
public sealed class CheckpointSnapshot : IDisposable
{
    readonly List<KeyValuePair<string, Tensor>> weights;
    readonly List<KeyValuePair<string, Tensor>> optimizerTensors;
    bool disposed;

    public CheckpointInfo Info { get; }
    public OptimizerRecord? OptimizerRecord { get; }
    public RngSnapshot Rng { get; }

    CheckpointSnapshot(CheckpointInfo info, List<KeyValuePair<string, Tensor>> weights,
        OptimizerRecord? optimizerRecord, List<KeyValuePair<string, Tensor>> optimizerTensors, RngSnapshot rng)
    {
        Info = info;
        this.weights = weights;
        OptimizerRecord = optimizerRecord;
        this.optimizerTensors = optimizerTensors;
        Rng = rng;
    }

    public IReadOnlyList<KeyValuePair<string, Tensor>> Weights => weights;
    public IReadOnlyList<KeyValuePair<string, Tensor>> OptimizerTensors => optimizerTensors;

    /// <summary>
    /// Copies <paramref name="weights"/> (by state-dict name), the optimizer's state and the
    /// generators' states (<see cref="LibTorch.Rng.Capture"/> unless given). Call it on the
    /// thread that trains, between steps: nothing it copies may change meanwhile.
    /// </summary>
    public static CheckpointSnapshot Capture(CheckpointInfo info, IEnumerable<KeyValuePair<string, Tensor>> weights,
        Optimizer? optimizer, RngSnapshot? rng = null)
    {
        var copied = new List<KeyValuePair<string, Tensor>>();
        var moments = new List<KeyValuePair<string, Tensor>>();
        try
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, tensor) in weights)
            {
                if (!names.Add(name)) throw new ArgumentException($"weight name '{name}' is given twice");
                copied.Add(new(name, PrivateCpuCopy(tensor)));
            }
            OptimizerRecord? record = null;
            if (optimizer is not null)
            {
                var state = optimizer.ExportState();
                record = state.Record;
                foreach (var (name, tensor) in state.Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    // The export is already a copy; only a CUDA one needs moving.
                    if (tensor.Device.IsCuda || !tensor.IsContiguous)
                    {
                        moments.Add(new(name, PrivateCpuCopy(tensor)));
                        tensor.Dispose();
                    }
                    else moments.Add(new(name, tensor.DetachFromScopes()));
                }
            }
            return new CheckpointSnapshot(info, copied, record, moments, rng ?? LibTorch.Rng.Capture());
        }
        catch
        {
            foreach (var (_, t) in copied.Concat(moments)) t.Dispose();
            throw;
        }
    }

    static Tensor PrivateCpuCopy(Tensor tensor)
    {
        using var detached = tensor.Detach();
        var copy = detached.Device.IsCuda ? detached.Cpu() : detached.Clone();
        if (!copy.IsContiguous)
        {
            var contiguous = copy.Contiguous();
            copy.Dispose();
            copy = contiguous;
        }
        return copy.DetachFromScopes();
    }

    /// <summary>Writes the checkpoint under <paramref name="checkpointsDir"/> on this thread.</summary>
    public CommittedCheckpoint Write(string checkpointsDir, CheckpointWriteOptions? options = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return CheckpointWriter.Write(this, checkpointsDir, options ?? CheckpointWriteOptions.Default);
    }

    /// <summary>Writes the checkpoint on a thread-pool thread; the task ends once it is durable.</summary>
    public Task<CommittedCheckpoint> WriteAsync(string checkpointsDir, CheckpointWriteOptions? options = null) =>
        Task.Run(() => Write(checkpointsDir, options));

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var (_, t) in weights.Concat(optimizerTensors)) t.Dispose();
    }
}

/// <summary>A durable checkpoint: where it lies and its id (the content hash).</summary>
public sealed record CommittedCheckpoint(string Path, long Step, string ContentHash, long Bytes)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>
/// How a write behaves. <see cref="Fault"/> is called at each stage with the stage's name and
/// the temp folder, so tests can make the write fail (or copy what a crash would leave) there.
/// </summary>
public sealed record CheckpointWriteOptions(Action<string, string>? Fault = null, TimeProvider? Clock = null)
{
    public static readonly CheckpointWriteOptions Default = new();
}
