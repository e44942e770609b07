using System.Diagnostics;
using Serilog;
using Stlm.Host.Progress;
using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Host.Training;

/// <summary>What a plain run did, for its summary line.</summary>
public sealed record TrainingOutcome(long Steps, long Tokens, TimeSpan Elapsed, double FirstLoss, double LastLoss,
    BitsPerByte? HeldOut, bool Stopped);

/// <summary>
/// `stlm train` before the actors take over: step after step of the shared <see cref="TrainStep"/>,
/// with the schedule's values, a progress bar, logs and held-out evaluations every N steps.
/// <paramref name="afterStep"/> sees each step's result (`stlm bench orchestration` times steps with it).
/// </summary>
public sealed class PlainTrainingLoop(TrainStep step, StepBatches batches, ScheduleSet schedules, TokenDataset heldOut,
    long maxSteps, int evalEvery, int evalBatches, Action<StepResult>? afterStep = null)
{
    public TrainingOutcome Run(CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var cursor = DataCursor.Start;
        double first = double.NaN, last = double.NaN;
        long tokens = 0, done = 0;
        BitsPerByte? heldOutBpb = null;
        using (var progress = ProgressDisplay.Start(new ProgressOptions("training", maxSteps, "steps")))
        {
            for (long s = 0; s < maxSteps && !cancel.IsCancellationRequested; s++)
            {
                var (micro, next) = batches.Read(cursor);
                var result = step.Run(schedules.At(s), micro);
                if (!result.IsFinite)
                    throw new Model.StlmException($"step {s}: loss {result.Loss}, grad norm {result.GradNorm}; lower training.optimizer.lr or raise schedules.learning-rate.warmup-steps");
                cursor = next;
                afterStep?.Invoke(result);
                tokens += result.Tokens;
                done = s + 1;
                if (s == 0) first = result.Loss;
                last = result.Loss;
                progress.Set("loss", result.Loss, "F3");
                progress.Set("lr", result.LearningRate, "0.00e0");
                progress.Set("tok/s", tokens / clock.Elapsed.TotalSeconds, "N0");
                progress.Report(done);
                if (s % 50 == 0) Log.Debug("step {Step} loss {Loss:F4} grad-norm {Norm:F3} lr {Lr:E2} {TokPerSec:N0} tok/s", s, result.Loss, result.GradNorm, result.LearningRate, result.TokensPerSecond);
                if (evalEvery > 0 && done % evalEvery == 0 && done < maxSteps)
                {
                    heldOutBpb = HeldOutEvaluation.Run(step.Model, heldOut, evalBatches, batches.Sampler.BatchSize);
                    Log.Information("step {Step}: train loss {Loss:F4}, held-out {Bpb:F4} bits per byte", done, result.Loss, heldOutBpb.Bpb);
                }
            }
        }
        if (done > 0)
        {
            heldOutBpb = HeldOutEvaluation.Run(step.Model, heldOut, evalBatches, batches.Sampler.BatchSize);
            Log.Information("step {Step}: held-out {Bpb:F4} bits per byte ({Tokens} tokens scored)", done, heldOutBpb.Bpb, heldOutBpb.Tokens);
        }
        return new TrainingOutcome(done, tokens, clock.Elapsed, first, last, heldOutBpb, cancel.IsCancellationRequested);
    }
}
