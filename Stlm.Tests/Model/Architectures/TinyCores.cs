using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Nn;

namespace Stlm.Tests.Model.Architectures;

/// <summary>Tiny configs, closed-form parameter counts and a training loop shared by the architecture tests.</summary>
static class TinyCores
{
    /// <summary>A small model section: 4 heads over 2 key/value heads, ffn 64, no dropout, 64 ids.</summary>
    public static ModelConfig Core(int layers = 2, int d = 32, int context = 32) => new()
    {
        NLayers = layers, DModel = d, NHeads = 4, NKvHeads = 2, FfnHidden = 64, Dropout = 0, ContextLength = context, VocabSize = 64,
    };

    /// <summary>A 4-layer LayerSkip over 64 ids with a rising layer dropout and the rotational curriculum.</summary>
    public static readonly ModelConfig LayerSkip = Core(layers: 4, d: 32, context: 32) with
    {
        Architecture = ArchitectureKind.LayerSkip,
        EarlyExit = new()
        {
            MaxLayerDropout = 0.2,
            LayerDropoutCurve = LayerDropoutCurve.Exponential,
            Curriculum = ExitCurriculumKind.Rotational,
            CurriculumPeriod = 2,
        },
    };

    /// <summary>The LayerSkip config with another early-exit section.</summary>
    public static ModelConfig WithEarlyExit(Func<EarlyExitConfig, EarlyExitConfig> change) => LayerSkip with { EarlyExit = change(LayerSkip.EarlyExit) };

    /// <summary>Parameters of one pre-norm SwiGLU block: q, k, v, o, gate, up, down and two norm gains.</summary>
    public static long BlockParameters(ModelConfig c)
    {
        long d = c.DModel, q = c.NHeads * c.HeadDim, kv = c.NKvHeads * c.HeadDim, f = c.FfnHidden;
        return d * q + 2 * d * kv + q * d + 3 * d * f + 2 * d;
    }

    /// <summary>n blocks and the final norm.</summary>
    public static long StackParameters(int layers, ModelConfig c) => layers * BlockParameters(c) + c.DModel;

    /// <summary>Deterministic ids [B, T] in [0, high).</summary>
    public static Tensor Ids(int batch, int length, int high, int seed)
    {
        var random = new Random(seed);
        var ids = new long[batch * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(high);
        return Torch.From(ids, batch, length);
    }

    /// <summary>
    /// Checks that a model over 64 ids is causal: changing the ids from position 7 on (of 12) keeps
    /// the logits before it and changes those after. Returns the first ids and their logits.
    /// </summary>
    public static (Tensor Ids, Tensor Logits) AssertCausal(ICausalLanguageModel model)
    {
        var ids = Ids(2, 12, 64, seed: 1);
        var changed = ids.Clone();
        changed.Narrow(1, 7, 5).CopyInPlace(Ids(2, 5, 64, seed: 2));

        var (before, after) = (model.Forward(ids), model.Forward(changed));

        Assert.True(MaxAbsDifference(before.Narrow(1, 0, 7), after.Narrow(1, 0, 7)) < 1e-6);
        Assert.True(MaxAbsDifference(before.Narrow(1, 7, 5), after.Narrow(1, 7, 5)) > 1e-4);
        return (ids, before);
    }

    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        var (x, y) = (a.To(DType.Float64).ToArray<double>(), b.To(DType.Float64).ToArray<double>());
        return x.Zip(y, (p, q) => Math.Abs(p - q)).DefaultIfEmpty(0).Max();
    }

    /// <summary>Full-batch AdamW (no weight decay) on <paramref name="loss"/>; returns the last step's loss.</summary>
    public static double Train(Module model, Func<Tensor> loss, int steps, double lr)
    {
        using var optimizer = new AdamW(model.Parameters().Select(p => p.Value), new AdamWOptions(Lr: lr, WeightDecay: 0));
        var last = double.NaN;
        for (var step = 0; step < steps; step++)
        {
            using var scope = TorchScope.Begin();
            optimizer.ZeroGrad();
            var value = loss();
            value.Backward();
            optimizer.Step();
            last = value.ToDouble();
        }
        return last;
    }
}
