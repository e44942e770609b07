using Stlm.Model.Data;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Training;

/// <summary>One micro-batch as plain arrays: inputs and targets [Rows, Length] token ids.</summary>
public sealed record MicroBatch(int Rows, int Length, long[] Inputs, long[] Targets)
{
    public long Tokens => (long)Rows * Length;

    public static MicroBatch From(TokenBatch batch) =>
        new(batch.BatchSize, batch.WindowLength - 1, batch.InputsInt64(), batch.TargetsInt64());

    /// <summary>The inputs and targets as int64 tensors on <paramref name="device"/> (owned by the current scope).</summary>
    public (Tensor Inputs, Tensor Targets) ToTensors(Device device)
    {
        var inputs = Torch.From(Inputs, Rows, Length);
        var targets = Torch.From(Targets, Rows, Length);
        return device == Device.Cpu ? (inputs, targets) : (inputs.To(device), targets.To(device));
    }
}
