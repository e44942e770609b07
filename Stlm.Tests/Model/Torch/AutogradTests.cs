using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class AutogradTests
{
    [Fact]
    public void Backward_of_a_polynomial_gives_its_derivative()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1.0, 2.0, 3.0]).RequiresGrad_();
        Assert.True(x.RequiresGrad);
        Assert.True(x.IsLeaf);
        Assert.Null(x.Grad);
        var y = (x * x * x).Sum();
        Assert.False(y.IsLeaf);
        y.Backward();
        Assert.Equal([3.0, 12.0, 27.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void Gradients_accumulate_until_zeroed()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([2f]).RequiresGrad_();
        (x * 3).Sum().Backward();
        (x * 3).Sum().Backward();
        Assert.Equal([6f], x.Grad!.ToArray<float>());
        x.ZeroGrad(setToNone: false);
        Assert.Equal([0f], x.Grad!.ToArray<float>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void Backward_with_an_explicit_gradient_computes_a_vector_jacobian_product()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1f, 2f]).RequiresGrad_();
        var y = x * x;
        y.Backward(Torch.From([1f, 10f]));
        Assert.Equal([2f, 40f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void Non_scalar_backward_without_gradient_is_an_error()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1f, 2f]).RequiresGrad_();
        var error = Assert.Throws<TorchException>(() => (x * 2).Backward());
        Assert.Contains("scalar", error.Message);
    }

    [Fact]
    public void No_grad_scope_stops_recording_and_restores_afterwards()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.Ones([2]).RequiresGrad_();
        Assert.True(Torch.IsGradEnabled);
        using (Torch.NoGrad())
        {
            Assert.False(Torch.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
            using (Torch.EnableGrad()) Assert.True((x * 2).RequiresGrad);
            Assert.False(Torch.IsGradEnabled);
        }
        Assert.True(Torch.IsGradEnabled);
        Assert.True((x * 2).RequiresGrad);
    }

    [Fact]
    public void Detach_cuts_the_graph_but_shares_storage()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.Ones([2]).RequiresGrad_();
        var y = x * 2;
        var d = y.Detach();
        Assert.False(d.RequiresGrad);
        d.FillInPlace(5);
        Assert.Equal([5f, 5f], y.Detach().ToArray<float>());
        var z = (x * 3).DetachInPlace();
        Assert.False(z.RequiresGrad);
    }

    [Fact]
    public void Integer_tensors_cannot_require_grad()
    {
        using var scope = TorchScope.Begin();
        Assert.Throws<TorchException>(() => Torch.Ones([2], DType.Int64).RequiresGrad = true);
    }

    [Fact]
    public void Grad_can_be_set_and_cleared()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.Zeros([2]).RequiresGrad_();
        x.Grad = Torch.From([1f, 2f]);
        Assert.Equal([1f, 2f], x.Grad!.ToArray<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
    }
}
