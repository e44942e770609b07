using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Tests.Model.LibTorch.Optim;

public class SgdTests
{
    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("sgd_nesterov")]
    public void Momentum_steps_match_pytorch_bit_for_bit(string name)
    {
        var reference = TorchTrajectory.Load(name);
        var parameters = reference.NewParameters();
        var options = name == "sgd_momentum"
            ? new SgdOptions(0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01)
            : new SgdOptions(0.05, Momentum: 0.9, Nesterov: true);
        using var sgd = new Sgd(parameters, options);
        reference.Replay(sgd, parameters, 0, reference.Grads.Length);
    }

    [Fact]
    public void Momentum_buffer_starts_as_the_gradient_then_accumulates()
    {
        using var p = Torch.From([0f], 1);
        using var sgd = new Sgd([p], new SgdOptions(0.5, Momentum: 0.5));
        foreach (var g in new[] { 1f, 1f })
        {
            using var grad = Torch.From([g], 1);
            Gradients.Set(p, grad);
            sgd.Step();
        }
        // buf1 = 1 -> p = -0.5; buf2 = 0.5*1 + 1 = 1.5 -> p = -0.5 - 0.75
        Assert.Equal([-1.25f], p.ToArray<float>());
        Assert.Equal([1.5f], sgd.ExportState().Tensors["0.momentum_buffer"].ToArray<float>());
    }

    [Fact]
    public void Exported_momentum_resumes_bit_identically()
    {
        var reference = TorchTrajectory.Load("sgd_momentum");
        var options = new SgdOptions(0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01);
        var first = reference.NewParameters();
        OptimizerState state;
        using (var sgd = new Sgd(first, options))
        {
            reference.Replay(sgd, first, 0, 2);
            state = sgd.ExportState();
        }
        var resumed = first.Select(p => p.Clone().DetachFromScopes()).ToArray();
        using var restored = new Sgd(resumed, new SgdOptions(123));
        restored.LoadState(new OptimizerState(OptimizerRecord.FromJson(state.Record.ToJson()), state.Tensors));
        Assert.Equal(options, restored.GetOptions(0));
        reference.Replay(restored, resumed, 2, reference.Grads.Length);
    }

    [Fact]
    public void Nesterov_without_momentum_is_rejected()
    {
        using var p = Torch.Zeros([1]);
        Assert.Throws<ArgumentException>(() => new Sgd([p], new SgdOptions(0.1, Nesterov: true)));
    }
}
