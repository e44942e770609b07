using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Training;

/// <summary>
/// What the training step needs of a model, token-level or byte-level alike: its module (for
/// parameters, dropout, train/eval and the state dict) and a loss over one micro-batch.
/// </summary>
public interface ILanguageModel
{
    Module Module { get; }

    /// <summary>inputs, targets [B, T] (int64) → the mean loss per predicted position, in nats (0-d).</summary>
    Tensor Loss(Tensor inputs, Tensor targets);
}
