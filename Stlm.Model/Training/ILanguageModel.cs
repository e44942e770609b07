using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;

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

    /// <summary>
    /// Takes the step's schedule values that only some architectures use (LayerSkip's layer
    /// dropout and exit-loss weights); called by the training step before every step, after
    /// dropout and learning rate are set. The default ignores them.
    /// </summary>
    void ApplySchedule(ScheduleValues values) { }
}
