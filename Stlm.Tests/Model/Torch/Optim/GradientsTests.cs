using System.Text.Json;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Tests.Model.LibTorch.Optim;

public class GradientsTests
{
    [Fact]
    public void Clip_grad_norm_returns_the_total_norm_and_scales_like_pytorch()
    {
        var expected = TorchTrajectory.Case("clip_grad_norm");
        using var a = Torch.Zeros([3]);
        using var b = Torch.Zeros([2, 2]);
        using (var ga = Torch.From([3f, -4f, 12f], 3)) Gradients.Set(a, ga);
        using (var gb = Torch.From([1f, 2f, -2f, 4f], 2, 2)) Gradients.Set(b, gb);

        using var norm = Gradients.ClipNorm([a, b], maxNorm: 5);

        Assert.Equal(Math.Sqrt(9 + 16 + 144 + 1 + 4 + 4 + 16), norm.ToDouble(), 1e-5);
        Assert.Equal(expected.GetProperty("norm").GetDouble(), norm.ToDouble());
        var grads = expected.GetProperty("grads").Deserialize<float[][]>()!;
        Assert.Equal(grads[0], Gradients.Get(a)!.ToArray<float>());
        Assert.Equal(grads[1], Gradients.Get(b)!.ToArray<float>());
    }

    [Fact]
    public void Clip_grad_norm_below_the_limit_leaves_gradients_alone()
    {
        using var a = Torch.Zeros([2]);
        using (var g = Torch.From([0.3f, 0.4f], 2)) Gradients.Set(a, g);
        using var norm = Gradients.ClipNorm([a], maxNorm: 1);
        Assert.Equal(0.5, norm.ToDouble(), 1e-6);
        Assert.Equal([0.3f, 0.4f], Gradients.Get(a)!.ToArray<float>());
    }

    [Fact]
    public void Clip_grad_norm_of_order_infinity_uses_the_largest_magnitude()
    {
        using var a = Torch.Zeros([3]);
        using (var g = Torch.From([1f, -8f, 2f], 3)) Gradients.Set(a, g);
        using var norm = Gradients.ClipNorm([a], maxNorm: 4, normType: double.PositiveInfinity);
        Assert.Equal(8, norm.ToDouble());
        Assert.Equal(-4, Gradients.Get(a)!.ToArray<float>()[1], 1e-5);
    }

    [Fact]
    public void Zero_grad_drops_or_zeroes_every_gradient()
    {
        using var a = Torch.Zeros([2]);
        using var b = Torch.Zeros([1]);
        using var adamw = new AdamW([a, b]);
        using (var g = Torch.Ones([2])) Gradients.Set(a, g);
        using (var g = Torch.Ones([1])) Gradients.Set(b, g);

        adamw.ZeroGrad(setToNone: false);
        Assert.Equal([0f, 0f], Gradients.Get(a)!.ToArray<float>());
        adamw.ZeroGrad();
        Assert.Null(Gradients.Get(a));
        Assert.Null(Gradients.Get(b));
    }
}
