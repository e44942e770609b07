using Stlm.Model.LibTorch;
using F = Stlm.Model.LibTorch.Functional;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch;

/// <summary>The fused head + loss against its definition, cross_entropy(linear(hidden, weight), targets).</summary>
[Collection(nameof(TorchGlobalState))]
public class LinearCrossEntropyTests
{
    static double MaxDifference(Tensor a, Tensor b) => (a - b).Abs().Max().ToDouble();

    static (Tensor Loss, Tensor GradHidden, Tensor GradWeight) Run(Func<Tensor, Tensor, Tensor> loss, Tensor hidden, Tensor weight)
    {
        var h = hidden.Detach().RequiresGrad_();
        var w = weight.Detach().RequiresGrad_();
        var value = loss(h, w);
        (value * 3.0).Backward();   // a non-unit upstream gradient must scale both gradients
        return (value, h.Grad!, w.Grad!);
    }

    [Theory]
    [InlineData(DType.Float32, 1e-5)]
    [InlineData(DType.Float64, 1e-12)]
    public void Value_and_gradients_equal_cross_entropy_of_the_linear_logits(DType dtype, double tolerance)
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(5);
        // More rows than one cache block of a 3000-wide vocabulary holds, so blocks are stitched.
        var hidden = Torch.Randn([3, 200, 16]).To(dtype);
        var weight = (Torch.Randn([3000, 16]) * 0.5).To(dtype);
        var targets = Torch.RandInt(0, 3000, [3, 200]);

        var fused = Run((h, w) => F.LinearCrossEntropy(h, w, targets), hidden, weight);
        var plain = Run((h, w) => F.CrossEntropy(F.Linear(h, w).Reshape(-1, 3000), targets.Reshape(-1)), hidden, weight);

        Assert.True(Math.Abs(fused.Loss.ToDouble() - plain.Loss.ToDouble()) < tolerance, $"{fused.Loss.ToDouble()} vs {plain.Loss.ToDouble()}");
        Assert.Equal(hidden.Shape, fused.GradHidden.Shape);
        Assert.True(MaxDifference(fused.GradHidden, plain.GradHidden) < tolerance);
        Assert.True(MaxDifference(fused.GradWeight, plain.GradWeight) < tolerance);
    }

    [Fact]
    public void Under_bf16_autocast_the_loss_is_cross_entropy_of_the_bfloat16_logits_and_the_gradients_stay_float32()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(7);
        var hidden = Torch.Randn([2, 100, 32]);
        var weight = Torch.Randn([500, 32]) * 0.3;
        var targets = Torch.RandInt(0, 500, [2, 100]);
        // The definition: float32 cross-entropy of logits computed from bf16 operands and rounded to bf16.
        var plain = Run((h, w) => F.CrossEntropy(F.Linear(h.To(DType.BFloat16), w.To(DType.BFloat16)).To(DType.Float32).Reshape(-1, 500), targets.Reshape(-1)), hidden, weight);
        (Tensor Loss, Tensor GradHidden, Tensor GradWeight) mixed;
        using (Torch.Autocast(Device.Cpu, DType.BFloat16))
            mixed = Run((h, w) => F.LinearCrossEntropy(h, w, targets), hidden, weight);

        Assert.Equal(DType.Float32, mixed.Loss.DType);
        Assert.Equal((DType.Float32, DType.Float32), (mixed.GradHidden.DType, mixed.GradWeight.DType));
        Assert.True(Math.Abs(mixed.Loss.ToDouble() - plain.Loss.ToDouble()) < 1e-4, $"{mixed.Loss.ToDouble()} vs {plain.Loss.ToDouble()}");
        // Both backwards round to bf16 (the operands, the products): a few bf16 steps (2^-8) of the largest gradient apart.
        var (dh, dw) = (MaxDifference(mixed.GradHidden, plain.GradHidden), MaxDifference(mixed.GradWeight, plain.GradWeight));
        var (mh, mw) = (plain.GradHidden.Abs().Max().ToDouble(), plain.GradWeight.Abs().Max().ToDouble());
        Assert.True(dh < 4e-2 * mh && dw < 4e-2 * mw, $"hidden gradient off by {dh} of {mh}, weight gradient by {dw} of {mw}");
    }

    [Fact]
    public void Ignored_targets_add_nothing_and_do_not_count()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(6);
        var hidden = Torch.Randn([6, 8], DType.Float64);
        var weight = Torch.Randn([11, 8], DType.Float64);
        var targets = Torch.From([3L, -100L, 0L, 10L, -100L, 7L]);

        var fused = Run((h, w) => F.LinearCrossEntropy(h, w, targets), hidden, weight);
        var plain = Run((h, w) => F.CrossEntropy(F.Linear(h, w), targets), hidden, weight);

        Assert.Equal(plain.Loss.ToDouble(), fused.Loss.ToDouble(), 12);
        Assert.True(MaxDifference(fused.GradHidden, plain.GradHidden) < 1e-12);
        Assert.True(MaxDifference(fused.GradWeight, plain.GradWeight) < 1e-12);
        Assert.Equal(0.0, fused.GradHidden.Select(0, 1).Abs().Sum().ToDouble());
    }

    [Fact]
    public void Without_gradients_it_gives_the_same_value_and_half_types_take_the_plain_path()
    {
        using var scope = TorchScope.Begin();
        Torch.ManualSeed(7);
        var hidden = Torch.Randn([10, 8]);
        var weight = Torch.Randn([50, 8]);
        var targets = Torch.RandInt(0, 50, [10]);
        var expected = F.CrossEntropy(F.Linear(hidden, weight), targets).ToDouble();
        using (Torch.NoGrad())
            Assert.Equal(expected, F.LinearCrossEntropy(hidden, weight, targets).ToDouble(), 5);
        var half = F.LinearCrossEntropy(hidden.To(DType.BFloat16), weight.To(DType.BFloat16), targets);
        Assert.Equal(DType.BFloat16, half.DType);
        Assert.Equal(expected, half.ToDouble(), 1);
    }

    [Fact]
    public void A_second_backward_through_the_same_graph_fails_with_a_clear_error()
    {
        using var scope = TorchScope.Begin();
        var hidden = Torch.Randn([4, 8]).RequiresGrad_();
        var weight = Torch.Randn([20, 8]).RequiresGrad_();
        var loss = F.LinearCrossEntropy(hidden, weight, Torch.From([1L, 2L, 3L, 4L]));
        loss.Backward(retainGraph: true);
        var error = Assert.Throws<TorchException>(() => loss.Backward());
        Assert.Contains("backward runs once", error.Message);
    }

    [Fact]
    public void Freed_large_cpu_blocks_are_reused_by_the_next_tensor_of_that_size()
    {
        var before = Torch.CpuCache.Stats;
        for (var i = 0; i < 3; i++)
        {
            using var scope = TorchScope.Begin();
            Torch.Zeros([1 << 20]).Dispose();   // 4 MiB: above the cache's 1 MiB floor
        }
        var after = Torch.CpuCache.Stats;
        Assert.True(after.Reuses - before.Reuses >= 2, $"reuses {before.Reuses} -> {after.Reuses}");
        Torch.CpuCache.Release();   // frees only what no tensor uses
        using var scope2 = TorchScope.Begin();
        Assert.Equal(0.0, Torch.Zeros([1 << 20]).Sum().ToDouble());
    }
}
