using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Nn;

namespace Stlm.Model.Training;

/// <summary>
/// Everything that decides the rest of a run's trajectory, as copies: the next step's index,
/// the weights, the optimizer's moments and hyperparameters, every RNG state and the data
/// cursor. Restoring it into a freshly built model and optimizer continues bit for bit
/// (DESIGN.md §5.3). The checkpoint actor persists it; this type only captures and applies it.
/// </summary>
public sealed record TrainingState(
    long Step,
    IReadOnlyList<KeyValuePair<string, Tensor>> Weights,
    OptimizerState Optimizer,
    RngSnapshot Rng,
    DataCursor Cursor) : IDisposable
{
    public static TrainingState Capture(long nextStep, Module model, Optimizer optimizer, DataCursor cursor)
    {
        using var _ = Torch.NoGrad();
        var weights = model.StateDict().Select(e => KeyValuePair.Create(e.Key, Detached(e.Value.Clone()))).ToList();
        var optimizerState = optimizer.ExportState();
        foreach (var tensor in optimizerState.Tensors.Values) tensor.DetachFromScopes();
        return new TrainingState(nextStep, weights, optimizerState, LibTorch.Rng.Capture(), cursor);
    }

    /// <summary>Puts the weights, optimizer state and RNG state back; returns the step and cursor to continue from.</summary>
    public (long Step, DataCursor Cursor) RestoreInto(Module model, Optimizer optimizer)
    {
        model.LoadStateDict(Weights);
        optimizer.LoadState(Optimizer);
        LibTorch.Rng.Restore(Rng);
        return (Step, Cursor);
    }

    public void Dispose()
    {
        foreach (var (_, tensor) in Weights) tensor.Dispose();
        foreach (var tensor in Optimizer.Tensors.Values) tensor.Dispose();
    }

    static Tensor Detached(Tensor t)
    {
        t.DetachFromScopes();
        return t;
    }
}
