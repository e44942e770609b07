using System.Diagnostics;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;

namespace Stlm.Model.Training;

/// <summary>
/// One optimizer step, the unit every driver calls (the `stlm train` loop, the trainer actor,
/// `stlm bench orchestration`'s bare loop): apply the step's schedule values, run forward and
/// backward over each micro-batch (the forward in the options' precision: an autocast region for
/// bf16-mixed, closed before the backward) with the loss scaled by 1/accum (so the summed gradients are
/// those of the mean loss over all of them), clip, step, drop the gradients. The loss stays on the
/// device until the step is queued and is read with the gradient norm in one transfer (one sync
/// per step on a GPU, not one per micro-batch). Every tensor of a micro-batch is freed before the
/// next, so native memory does not grow over steps.
/// </summary>
public sealed class TrainStep(ILanguageModel model, Optimizer optimizer, TrainStepOptions options)
{
    public ILanguageModel Model { get; } = model;
    public Optimizer Optimizer { get; } = optimizer;
    public TrainStepOptions Options { get; } = Validated(options);

    /// <summary>
    /// Called once per step before the first backward (data parallelism points every gradient
    /// into the buffers it all-reduces here); its time counts in the step's duration.
    /// </summary>
    public Action? GradientsExpected { get; init; }

    /// <summary>
    /// Called once per step between the last backward and the clip (data parallelism averages the
    /// gradients across ranks here); its time counts in the step's duration.
    /// </summary>
    public Action<ScheduleValues>? GradientsReady { get; init; }

    /// <summary>
    /// Data parallelism: the number of ranks whose gradients <see cref="GradientsReady"/> sums.
    /// Each rank's loss is divided by it before backward, so the sum is the mean with no pass over
    /// the gradients to divide them (for a power of two, bit for bit the sum divided afterwards).
    /// </summary>
    public int SummedOverRanks { get; init; } = 1;

    /// <param name="skipNonFinite">
    /// Read the loss and gradient norm before the update, and leave weights and optimizer state
    /// untouched (<see cref="StepResult.Updated"/> false) when either is NaN or infinite. It moves
    /// the step's one host sync before the update; the values computed are the same bits.
    /// </param>
    public StepResult Run(ScheduleValues schedule, IReadOnlyList<MicroBatch> microBatches, bool skipNonFinite = false)
    {
        if (microBatches.Count != Options.GradAccum)
            throw new ArgumentException($"step {schedule.Step} got {microBatches.Count} micro-batches, grad-accum is {Options.GradAccum}", nameof(microBatches));
        var clock = Stopwatch.StartNew();
        var module = Model.Module;
        module.Train();
        module.SetDropout(schedule.Dropout);
        Model.ApplySchedule(schedule);
        Optimizer.SetLr(schedule.LearningRate);

        var device = module.Device;
        using var stepScope = TorchScope.Begin();
        Tensor? lossSum = null;   // f64 on the device: read once per step, not once per micro-batch
        long tokens = 0;
        GradientsExpected?.Invoke();
        foreach (var micro in microBatches)
        {
            using var scope = TorchScope.Begin();
            var (inputs, targets) = micro.ToTensors(device);
            Tensor loss;
            using (Options.Precision.Region(device)) loss = Model.Loss(inputs, targets);
            (loss / (Options.GradAccum * SummedOverRanks)).Backward();
            var value = loss.Detach().To(DType.Float64);
            lossSum = scope.Keep(lossSum is null ? value : lossSum + value);
            tokens += micro.Tokens;
        }

        GradientsReady?.Invoke(schedule);
        var maxNorm = Options.GradClip > 0 ? Options.GradClip : double.PositiveInfinity;
        var gradNorm = Optimizer.ClipGradNorm(maxNorm).To(DType.Float64);
        var lossMean = lossSum! / microBatches.Count;
        double meanLoss, norm;
        var updated = true;
        if (skipNonFinite)
        {
            // A NaN or infinite gradient shows in its norm: seen before the update, a bad batch costs no copy of the state.
            (meanLoss, norm) = ReadBoth(lossMean, gradNorm);
            updated = double.IsFinite(meanLoss) && double.IsFinite(norm);
            if (updated) Optimizer.Step();
            Optimizer.ZeroGrad();
        }
        else
        {
            Optimizer.Step();
            Optimizer.ZeroGrad();
            // Read after the update is queued, so a GPU has the whole step in hand while the host waits.
            (meanLoss, norm) = ReadBoth(lossMean, gradNorm);
        }
        return new StepResult(schedule.Step, meanLoss, norm, schedule.LearningRate,
            schedule.Dropout, schedule.EarlyExit, tokens, clock.Elapsed, updated);
    }

    /// <summary>Two device scalars to the host in one transfer (one sync on a GPU).</summary>
    static (double A, double B) ReadBoth(Tensor a, Tensor b)
    {
        var both = Torch.Stack([a, b]).To(Device.Cpu).ToArray<double>();
        return (both[0], both[1]);
    }

    /// <summary>AdamW over the model's decay / no-decay groups (nanoGPT's rule), built after any move to a device.</summary>
    public static AdamW AdamWFor(Module module, AdamWOptions options) => new(module.DecayGroups(options));

    static TrainStepOptions Validated(TrainStepOptions options)
    {
        options.Validate();
        return options;
    }
}
