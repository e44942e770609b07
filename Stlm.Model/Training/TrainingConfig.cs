using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Model.Training;

/// <summary>The `training { … }` section (hocon/reference.conf documents each key).</summary>
public sealed record TrainingConfig
{
    public const string Section = "training";

    /// <summary>A preset under hocon/presets layered between reference.conf and --config; "" = none.</summary>
    public string Preset { get; init; } = "";
    public long MaxSteps { get; init; } = 25000;
    public int BatchSize { get; init; } = 24;
    public int GradAccum { get; init; } = 20;
    public double GradClip { get; init; } = 1.0;
    public OptimizerConfig Optimizer { get; init; } = new();
    public IReadOnlyList<string> Tags { get; init; } = [];
    public DataParallelConfig DataParallel { get; init; } = new();

    public TrainStepOptions StepOptions => new(GradAccum, GradClip);

    public void Validate()
    {
        if (MaxSteps < 1) throw new StlmException($"training.max-steps must be at least 1, got {MaxSteps}");
        if (BatchSize < 1) throw new StlmException($"training.batch-size must be at least 1, got {BatchSize}");
        StepOptions.Validate();
        DataParallel.Validate();
    }
}

/// <summary>`training.optimizer`: AdamW's hyperparameters (lr is the schedule's peak).</summary>
public sealed record OptimizerConfig
{
    public double Lr { get; init; } = 6e-4;
    public double WeightDecay { get; init; } = 0.1;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    public double Eps { get; init; } = 1e-8;

    public AdamWOptions ToAdamW() => new(Lr, Beta1, Beta2, Eps, WeightDecay);
}
