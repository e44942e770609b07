using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;
using static Stlm.Tests.Model.LibTorch.GradCheck;

namespace Stlm.Tests.Model.LibTorch;

/// <summary>Autograd against finite differences for every differentiable op the models use.</summary>
public class GradientCheckTests
{
    public GradientCheckTests() => Torch.ManualSeed(1234);

    [Fact]
    public void Linear_with_and_without_bias()
    {
        using Tensor x = Leaf(3, 4), w = Leaf(2, 4), b = Leaf(2);
        Check(t => F.Linear(t[0], t[1], t[2]), x, w, b);
        Check(t => F.Linear(t[0], t[1]), x, w);
    }

    [Fact]
    public void Matmul_bmm_and_transposes()
    {
        using Tensor a = Leaf(2, 3, 4), b = Leaf(2, 4, 2), m = Leaf(4, 3);
        Check(t => t[0].MatMul(t[1]), a, b);
        Check(t => t[0].Bmm(t[1]), a, b);
        Check(t => t[0].MatMul(t[1]).Transpose(1, 2).Reshape(2, -1), a, m);
        Check(t => t[0].Permute(2, 0, 1).Contiguous().View(4, 6), a);
    }

    [Fact]
    public void Embedding_weight()
    {
        using var w = Leaf(5, 3);
        using var ids = Torch.From([4L, 0L, 4L, 2L, 1L, 0L], 2, 3).DetachFromScopes();
        Check(t => F.Embedding(ids, t[0]), w);
    }

    [Fact]
    public void Softmax_and_log_softmax()
    {
        using var x = Leaf(3, 5);
        Check(t => t[0].Softmax(-1), x);
        Check(t => t[0].LogSoftmax(1), x);
        Check(t => t[0].Softmax(0), x);
    }

    [Fact]
    public void Cross_entropy_with_ignore_index_and_label_smoothing()
    {
        using var logits = Leaf(4, 6);
        using var target = Torch.From([1L, -100L, 5L, 0L]).DetachFromScopes();
        Check(t => F.CrossEntropy(t[0], target), logits);
        Check(t => F.CrossEntropy(t[0], target, Reduction.Sum, labelSmoothing: 0.1), logits);
        Check(t => F.CrossEntropy(t[0], target, Reduction.None), logits);
        using var seqLogits = Leaf(2, 6, 3);
        using var seqTarget = Torch.From([1L, 2L, 3L, 4L, 5L, -100L], 2, 3).DetachFromScopes();
        Check(t => F.CrossEntropy(t[0], seqTarget), seqLogits);
    }

    [Fact]
    public void Activations()
    {
        using var x = Leaf(12);
        Check(t => t[0].Silu(), x);
        Check(t => t[0].Gelu(), x);
        Check(t => t[0].Gelu(tanhApproximation: true), x);
        Check(t => t[0].Tanh(), x);
        Check(t => t[0].Sigmoid(), x);
        Check(t => t[0].Relu(), x);
    }

    [Fact]
    public void Elementwise_math_and_reductions()
    {
        using Tensor x = Leaf(3, 4), y = Leaf(3, 4), row = Leaf(4);
        Check(t => t[0] * t[1] + t[0] / (t[1].Square() + 1) - 2 * t[2], x, y, row);
        Check(t => (t[0].Square() + 1).Sqrt() + (t[0].Square() + 1).Rsqrt() + (t[0].Square() + 1).Log(), x);
        Check(t => t[0].Exp().Pow(1.5) + t[0].Abs().Pow(t[1].Abs()), x, y);
        Check(t => t[0].Sum(1) + t[0].Mean(0, keepDim: true).Sum() + t[0].Amax(1), x);
        Check(t => t[0].LogSumExp(-1) + t[0].Var(0).Sum() + t[0].Norm(1), x);
        Check(t => t[0].CumSum(1) * t[0], x);
    }

    [Fact]
    public void Rms_norm_composed_and_fused()
    {
        using Tensor x = Leaf(3, 8), gain = Leaf(8);
        Check(t => t[0] * (t[0].Square().Mean(-1, keepDim: true) + 1e-6).Rsqrt() * t[1], x, gain);
        Check(t => F.RmsNorm(t[0], t[1], 1e-6), x, gain);
        Check(t => F.LayerNorm(t[0], [8], t[1]), x, gain);
    }

    [Fact]
    public void Attention_plain_causal_masked_and_with_dropout()
    {
        using Tensor q = Leaf(1, 2, 4, 3), k = Leaf(1, 2, 5, 3), v = Leaf(1, 2, 5, 2);
        using var additive = Torch.Randn([4, 5], DType.Float64).DetachFromScopes();
        using var allowed = (Torch.Rand([4, 5]) > 0.4).DetachFromScopes();
        allowed.Narrow(1, 0, 1).FillInPlace(1); // every query may attend key 0
        Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2]), q, k, v);
        Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], isCausal: true), q, k, v);
        Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], additive), q, k, v);
        Check(t => F.ScaledDotProductAttention(t[0], t[1], t[2], allowed), q, k, v);
    }

    [Fact]
    public void Masked_fill_and_where()
    {
        using var x = Leaf(3, 4);
        using var y = Leaf(3, 4);
        using var mask = (Torch.Rand([3, 4]) > 0.5).DetachFromScopes();
        Check(t => t[0].MaskedFill(mask, -3), x);
        Check(t => Torch.Where(mask, t[0], t[1] * 2), x, y);
    }

    [Fact]
    public void Cat_stack_split_and_chunk()
    {
        using Tensor a = Leaf(2, 3), b = Leaf(2, 2);
        Check(t => Torch.Cat([t[0], t[1]], 1), a, b);
        Check(t => Torch.Stack([t[0], t[0] * 2]), a);
        Check(t => { var p = t[0].Split([1L, 2L], 1); return p[0] * p[1].Sum(1, keepDim: true); }, a);
        Check(t => { var p = t[0].Chunk(2, 0); return p[0] - 3 * p[1]; }, a);
    }

    [Fact]
    public void Index_ops_and_views()
    {
        using var x = Leaf(4, 3);
        using var rows = Torch.From([3L, 1L, 3L]).DetachFromScopes();
        using var cols = Torch.From([2L, 0L, 1L, 1L], 4, 1).DetachFromScopes();
        Check(t => t[0].IndexSelect(0, rows), x);
        Check(t => t[0].Gather(1, cols), x);
        Check(t => t[0].Narrow(0, 1, 2) + t[0].Slice(0, 0, 4, 2) + t[0][3], x);
        Check(t => t[0].Unsqueeze(1).Expand(4, 2, 3).RepeatInterleave(2, 1).Flatten(), x);
        Check(t => t[0].Tril() + t[0].Triu(1) * 3, x);
    }
}
