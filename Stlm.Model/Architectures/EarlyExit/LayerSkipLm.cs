using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline token model trained the LayerSkip way:
///   x = embed(ids); for each layer l: x = layer_dropout_l(block_l)(x)      [B, T, d]
///   exit_l = lm_head(norm(x after layer l))                                  [B, T, V]
///   loss = Σ_l w_l · CE(exit_l, targets)   with the weights <see cref="ExitLossWeights"/>
/// Layer dropout skips a whole block for a random subset of the rows of a batch (x passes
/// through unchanged), at a rate rising with depth and multiplied by
/// <see cref="LayerDropoutScale"/>, which the scheduler sets. Every exit shares the final norm
/// and the head, so a shallow layer's output is a usable prediction at inference.
/// With no layer dropout and all weight on the last layer this is exactly the plain model.
/// In training, <see cref="ApplySchedule"/> sets both each step: the schedules.early-exit
/// policy when it turns anything on, else this model's own rates and curriculum at that step.
/// </summary>
public sealed class LayerSkipLm : TokenStackLm
{
    double[] exitLossWeights;
    double layerDropoutScale = 1.0;
    double[]? scheduledRates;

    /// <summary>The model section; its early-exit sub-section gives the rates and the curriculum.</summary>
    public LayerSkipLm(ModelConfig config, ulong seed) : base(config)
    {
        config.EarlyExit.Validate();
        RegisterLmHead();
        exitLossWeights = ExitCurriculum.Weights(config, step: 0);
        InitializeWeights(seed);
    }

    /// <summary>The scheduler's factor on every layer's dropout rate (0 turns layer dropout off).</summary>
    public double LayerDropoutScale
    {
        get => layerDropoutScale;
        set => layerDropoutScale = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "layer-dropout scale must be ≥ 0");
    }

    /// <summary>Each layer's probability of being skipped for a row in training.</summary>
    public double[] LayerDropoutRateByLayer =>
        scheduledRates?.ToArray() ?? LayerDropoutRates.Of(LayerCount, Config.EarlyExit.MaxLayerDropout, Config.EarlyExit.LayerDropoutCurve, layerDropoutScale);

    /// <summary>
    /// The step's early-exit values: a policy that is on (any layer dropout, or any exit-loss
    /// weight below the last layer) replaces the config's rates and weights; a policy that is off
    /// (schedules.early-exit's default) leaves model.early-exit in charge, its curriculum
    /// evaluated at the step.
    /// </summary>
    public override void ApplySchedule(ScheduleValues values)
    {
        var policy = values.EarlyExit;
        var on = policy.LayerDropout.Any(p => p > 0) || policy.ExitLossWeights.Take(policy.ExitLossWeights.Count - 1).Any(w => w > 0);
        if (!on)
        {
            scheduledRates = null;
            exitLossWeights = ExitCurriculum.Weights(Config, values.Step);
            return;
        }
        if (policy.LayerDropout.Count != LayerCount || policy.ExitLossWeights.Count != LayerCount)
            throw new StlmException($"schedules.early-exit has {policy.LayerDropout.Count} layers but the model has {LayerCount}; set schedules.early-exit.n-layers = {LayerCount} (or leave it at ${{model.n-layers}})");
        scheduledRates = policy.LayerDropout.Select(p => Math.Min(p, 0.999)).ToArray();
        ExitLossWeights = policy.ExitLossWeights;
    }

    /// <summary>One weight per layer for the early-exit loss (non-negative, not all zero; the loss normalises them).</summary>
    public IReadOnlyList<double> ExitLossWeights
    {
        get => exitLossWeights;
        set
        {
            if (value.Count != LayerCount) throw new ArgumentException($"exit-loss weights need one value per layer ({LayerCount}), got {value.Count}");
            if (value.Any(w => !(w >= 0)) || value.Sum() <= 0) throw new ArgumentException("exit-loss weights must be ≥ 0 and not all 0");
            exitLossWeights = value.ToArray();
        }
    }

    /// <summary>ids [B, T] → logits [B, T, V] of the last layer (layer dropout applies when training).</summary>
    public override Tensor Forward(Tensor ids, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var x = Embed(ids);                                               // [B, T, d]
        var rope = Model.Rotary.Angles(cache?.Length ?? 0, ids.Size(1));
        for (var l = 0; l < LayerCount; l++)
            x = Layer(l, x, rope, cache?[l]);                             // [B, T, d]
        return scope.Keep(Exit(x));                                       // [B, T, V]
    }

    /// <summary>The weighted early-exit loss of ids [B, T] against targets [B, T].</summary>
    public override Tensor Loss(Tensor ids, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var total = exitLossWeights.Sum();
        var x = Embed(ids);                                               // [B, T, d]
        var rope = Model.Rotary.Angles(0, ids.Size(1));
        Tensor? loss = null;
        for (var l = 0; l < LayerCount; l++)
        {
            x = Layer(l, x, rope, null);
            if (exitLossWeights[l] == 0) continue;
            var logits = Exit(x);                                         // [B, T, V] through the shared norm and head
            var term = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1), ignoreIndex: LanguageModelLoss.IgnoreIndex);
            term = exitLossWeights[l] == total ? term : term * (exitLossWeights[l] / total);
            loss = loss is null ? term : loss + term;
        }
        return scope.Keep(loss!);
    }

    /// <summary>Block l, skipped for a random subset of rows when training with a positive rate.</summary>
    public Tensor Layer(int l, Tensor x, RopeAngles rope, LayerKvCache? cache)
    {
        using var scope = TorchScope.Begin();
        var y = Model.Layers[l].Forward(x, rope, cache);                  // [B, T, d]
        var rate = Training ? scheduledRates?[l] ?? LayerDropoutRates.Of(LayerCount, Config.EarlyExit.MaxLayerDropout, Config.EarlyExit.LayerDropoutCurve, layerDropoutScale)[l] : 0;
        if (rate == 0) return scope.Keep(y);
        var keep = (Torch.Rand([x.Size(0), 1, 1], DType.Float32, x.Device) >= rate).To(x.DType);   // [B, 1, 1]: 1 = run the block
        return scope.Keep(x + keep * (y - x));
    }
}
