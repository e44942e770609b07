using Stlm.Model.Schedules;

namespace Stlm.Model.Training;

/// <summary>
/// What one optimizer step did: the mean loss over its micro-batches (nats per token), the
/// global gradient norm before clipping, the schedule values it ran with, the tokens it saw,
/// its wall time, and whether the optimizer applied it (false only for a non-finite step run
/// with skipNonFinite, see <see cref="TrainStep.Run"/>).
/// </summary>
public sealed record StepResult(
    long Step,
    double Loss,
    double GradNorm,
    double LearningRate,
    double Dropout,
    EarlyExitPolicy EarlyExit,
    long Tokens,
    TimeSpan Elapsed,
    bool Updated = true)
{
    public double TokensPerSecond => Elapsed > TimeSpan.Zero ? Tokens / Elapsed.TotalSeconds : double.NaN;

    public bool IsFinite => double.IsFinite(Loss) && double.IsFinite(GradNorm);
}
