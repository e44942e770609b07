using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Tests.Model.LibTorch;

public class FunctionalTests
{
    static void Close(Tensor expected, Tensor actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.To(DType.Float64).ToArray<double>();
        var a = actual.To(DType.Float64).ToArray<double>();
        for (var i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tolerance, $"[{i}] expected {e[i]}, got {a[i]}");
    }

    [Fact]
    public void Softmax_and_log_softmax_match_known_values()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1.0, 2.0, 3.0]);
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Close(Torch.From([Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z]), F.Softmax(x, 0), 1e-12);
        Close(Torch.From([1 - Math.Log(z), 2 - Math.Log(z), 3 - Math.Log(z)]), x.LogSoftmax(-1), 1e-12);
        Assert.Equal(DType.Float32, F.Softmax(x.To(DType.BFloat16), 0, DType.Float32).DType);
    }

    [Fact]
    public void Cross_entropy_averages_negative_log_likelihood_over_counted_targets()
    {
        using var scope = TorchScope.Begin();
        var logits = Torch.From(new double[,] { { 2, 0, 1 }, { 0, 3, 0 }, { 1, 1, 1 } });
        var target = Torch.From([0L, 1L, -100L]);
        var logp = logits.LogSoftmax(1).ToArray<double>();
        var nll0 = -logp[0];
        var nll1 = -logp[4];
        Assert.Equal((nll0 + nll1) / 2, F.CrossEntropy(logits, target).ToDouble(), 12);
        Assert.Equal(nll0 + nll1, F.CrossEntropy(logits, target, Reduction.Sum).ToDouble(), 12);
        Close(Torch.From([nll0, nll1, 0]), F.CrossEntropy(logits, target, Reduction.None), 1e-12);
        var custom = Torch.From([0L, 7L, 2L]);
        Assert.Equal((nll0 - logp[8]) / 2, F.CrossEntropy(logits, custom, ignoreIndex: 7).ToDouble(), 12);
        Assert.Equal(F.CrossEntropy(logits, target).ToDouble(), F.NllLoss(logits.LogSoftmax(1), target).ToDouble(), 12);
        // label smoothing ε: (1-ε)·nll + ε·mean over classes of -log p
        var smooth = 0.1;
        var row0 = (1 - smooth) * nll0 + smooth * -(logp[0] + logp[1] + logp[2]) / 3;
        var row1 = (1 - smooth) * nll1 + smooth * -(logp[3] + logp[4] + logp[5]) / 3;
        Assert.Equal((row0 + row1) / 2, F.CrossEntropy(logits, target, labelSmoothing: smooth).ToDouble(), 12);
    }

    [Fact]
    public void Cross_entropy_accepts_sequence_shaped_logits()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(3);
        var logits = Torch.Randn([2, 5, 4]);
        var targets = Torch.RandInt(0, 5, [2, 4]);
        var flat = F.CrossEntropy(logits.Transpose(1, 2).Reshape(-1, 5), targets.Reshape(-1));
        Assert.Equal(flat.ToDouble(), F.CrossEntropy(logits, targets).ToDouble(), 5);
        var error = Assert.Throws<TorchException>(() => F.CrossEntropy(Torch.Randn([3, 5]), Torch.Zeros([4], DType.Int64)));
        Assert.Contains("3", error.Message);
    }

    [Fact]
    public void Embedding_picks_rows_and_leaves_padding_without_gradient()
    {
        using var scope = TorchScope.Begin();
        var weight = Torch.Arange(8, DType.Float32).View(4, 2).RequiresGrad_();
        var rows = F.Embedding(Torch.From([3L, 0L, 3L, 1L], 2, 2), weight, paddingIdx: 1);
        Assert.Equal([2L, 2L, 2L], rows.Shape);
        Assert.Equal([6f, 7, 0, 1, 6, 7, 2, 3], rows.Detach().ToArray<float>());
        rows.Sum().Backward();
        Assert.Equal([1f, 1, 0, 0, 0, 0, 2, 2], weight.Grad!.ToArray<float>());
    }

    [Fact]
    public void Linear_and_norms_match_their_formulas()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From(new double[,] { { 1, 2 }, { 3, 4 } });
        var w = Torch.From(new double[,] { { 1, 0 }, { 1, 1 }, { 0, 2 } });
        var b = Torch.From([0.5, 0, -1]);
        Close(Torch.From(new double[,] { { 1.5, 3, 3 }, { 3.5, 7, 7 } }), F.Linear(x, w, b));
        Close(x.MatMul(w.T), F.Linear(x, w));
        var rms = Torch.From([Math.Sqrt((1 + 4) / 2.0 + 1e-6), Math.Sqrt((9 + 16) / 2.0 + 1e-6)]).Unsqueeze(1);
        var gain = Torch.From([2.0, 0.5]);
        Close(x / rms * gain, F.RmsNorm(x, gain, 1e-6), 1e-12);
        var low = F.RmsNorm(x.To(DType.BFloat16), null, 1e-6);
        Assert.Equal(DType.BFloat16, low.DType);
        Close(x / rms, low, 1e-2);
        var mean = x.Mean(1, keepDim: true);
        var variance = (x - mean).Square().Mean(1, keepDim: true);
        Close((x - mean) / (variance + 1e-5).Sqrt(), F.LayerNorm(x, [2]), 1e-9);
    }

    static Tensor ReferenceAttention(Tensor q, Tensor k, Tensor v, Tensor? additive)
    {
        var scores = q.MatMul(k.T) / Math.Sqrt(q.Size(-1));
        if (additive is not null) scores += additive;
        return scores.Softmax(-1).MatMul(v);
    }

    [Fact]
    public void Attention_equals_softmax_of_scaled_scores_times_values()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(5);
        var q = Torch.Randn([2, 3, 4, 8], DType.Float64);
        var k = Torch.Randn([2, 3, 6, 8], DType.Float64);
        var v = Torch.Randn([2, 3, 6, 5], DType.Float64);
        Close(ReferenceAttention(q, k, v, null), F.ScaledDotProductAttention(q, k, v), 1e-10);
        var scaled = F.ScaledDotProductAttention(q, k, v, scale: 0.5);
        Close(F.ScaledDotProductAttention(q * Math.Sqrt(0.5 * Math.Sqrt(8)), k * Math.Sqrt(0.5 * Math.Sqrt(8)), v), scaled, 1e-10);

        var additive = Torch.Randn([4, 6], DType.Float64);
        Close(ReferenceAttention(q, k, v, additive), F.ScaledDotProductAttention(q, k, v, additive), 1e-10);

        var allowed = Torch.Rand([4, 6]) > 0.3;
        // every query keeps key 0, so no row is fully masked
        var keepFirst = Torch.Zeros([4, 6], DType.Bool);
        keepFirst.Narrow(1, 0, 1).FillInPlace(1);
        allowed = allowed | keepFirst;
        var asAdditive = Torch.Zeros([4, 6], DType.Float64).MaskedFill(!allowed, double.NegativeInfinity);
        Close(ReferenceAttention(q, k, v, asAdditive), F.ScaledDotProductAttention(q, k, v, allowed), 1e-10);
    }

    [Fact]
    public void Causal_attention_masks_later_keys()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(6);
        var q = Torch.Randn([1, 2, 5, 4], DType.Float64);
        var k = Torch.Randn([1, 2, 5, 4], DType.Float64);
        var v = Torch.Randn([1, 2, 5, 4], DType.Float64);
        var future = Torch.Full([5, 5], double.NegativeInfinity, DType.Float64).Triu(1);
        var expected = ReferenceAttention(q, k, v, future);
        Close(expected, F.ScaledDotProductAttention(q, k, v, isCausal: true), 1e-10);
        Close(expected, F.ScaledDotProductAttentionMath(q, k, v, isCausal: true), 1e-10);
        // the first query sees only the first key
        Close(v.Narrow(2, 0, 1), F.ScaledDotProductAttention(q, k, v, isCausal: true).Narrow(2, 0, 1), 1e-12);
        // a mask together with the causal flag applies both
        var extra = Torch.Randn([5, 5], DType.Float64);
        Close(ReferenceAttention(q, k, v, future + extra), F.ScaledDotProductAttention(q, k, v, extra, isCausal: true), 1e-10);
    }

    [Fact]
    public void Attention_with_mismatched_head_dims_raises()
    {
        using var scope = TorchScope.Begin();
        Assert.Throws<TorchException>(() => F.ScaledDotProductAttention(Torch.Randn([1, 2, 4, 8]), Torch.Randn([1, 2, 4, 7]), Torch.Randn([1, 2, 4, 8])));
    }
}
