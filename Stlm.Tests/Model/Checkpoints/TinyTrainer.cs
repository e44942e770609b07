using Stlm.Model.Checkpoints;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Tests.Model.Checkpoints;

/// <summary>
/// A two-layer classifier trained with AdamW on random batches drawn from the global generator,
/// with dropout: its trajectory depends on the weights, the optimizer's state and the RNG, so a
/// resume that misses any of them diverges.
/// </summary>
sealed class TinyTrainer : IDisposable
{
    public const string ConfigText = "model { hidden = 16 }\noptim { lr = 0.01 }\n";

    public Tensor W1 { get; }
    public Tensor W2 { get; }
    public Tensor Steps { get; }   // an integer buffer, as models keep (e.g. a step counter)
    public AdamW Optimizer { get; }
    public int Step { get; private set; }

    public TinyTrainer(ulong seed, long hidden = 16)
    {
        Rng.ManualSeed(seed);
        using var w1 = Torch.Randn([hidden, 8]);
        using var w2 = Torch.Randn([4, hidden]);
        W1 = (w1 * 0.3).DetachFromScopes().RequiresGrad_();
        W2 = (w2 * 0.3).DetachFromScopes().RequiresGrad_();
        Steps = Torch.Zeros([1], DType.Int64).DetachFromScopes();
        Optimizer = new AdamW([W1, W2], new AdamWOptions(Lr: 0.01, WeightDecay: 0.1));
    }

    public IReadOnlyList<KeyValuePair<string, Tensor>> Weights =>
        [new("layers.0.weight", W1), new("layers.1.weight", W2), new("steps", Steps)];

    /// <summary>One training step; returns the loss.</summary>
    public float TrainStep()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.Randn([8, 8]);
        var target = Torch.RandInt(0, 4, [8]);
        var hidden = F.Dropout(F.Linear(x, W1).Relu(), 0.25, training: true);
        var loss = F.CrossEntropy(F.Linear(hidden, W2), target);
        Optimizer.ZeroGrad();
        loss.Backward();
        Optimizer.Step();
        using (Torch.NoGrad()) Steps.CopyInPlace(Steps + 1);
        Step++;
        return loss.ToSingle();
    }

    public float[] Train(int steps) => Enumerable.Range(0, steps).Select(_ => TrainStep()).ToArray();

    public CheckpointInfo Info(string runId = "run-1") =>
        CheckpointInfo.Create(runId, Step, Step * 8L, new DataCursor(0, Step * 8L), ConfigText, "test-build");

    public CheckpointSnapshot Capture(string runId = "run-1") => CheckpointSnapshot.Capture(Info(runId), Weights, Optimizer);

    /// <summary>Continues from a checkpoint's state (the step counter comes back from its info).</summary>
    public CheckpointInfo RestoreFrom(Checkpoint checkpoint)
    {
        var info = checkpoint.Restore(Weights, Optimizer);
        Step = (int)info.Step;
        return info;
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        W1.Dispose();
        W2.Dispose();
        Steps.Dispose();
    }
}
