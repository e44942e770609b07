using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Tests.Model.LibTorch.Optim;

public class LrScheduleRatioTests
{
    [Fact]
    public void Scheduled_lr_keeps_each_groups_ratio_to_the_first_group()
    {
        using var scope = TorchScope.Begin();
        var a = Torch.Zeros([2]).RequiresGrad_();
        var b = Torch.Zeros([2]).RequiresGrad_();
        var c = Torch.Zeros([2]).RequiresGrad_();
        using var adamw = new AdamW([
            new ParamGroup([a], new AdamWOptions(Lr: 1e-3)),
            new ParamGroup([b], new AdamWOptions(Lr: 3e-3)),
            new ParamGroup([c], new AdamWOptions(Lr: 1e-3, WeightDecay: 0))]);

        adamw.SetLr(5e-4);

        Assert.Equal(5e-4, adamw.GetLr(0));
        Assert.Equal(1.5e-3, adamw.GetLr(1), 15);
        Assert.Equal(5e-4, adamw.GetLr(2));
        adamw.SetLr(0);
        Assert.All(Enumerable.Range(0, 3), g => Assert.Equal(0.0, adamw.GetLr(g)));
        adamw.SetLr(2e-3);   // the ratios are those the optimizer was built with, not the last lrs
        Assert.Equal(6e-3, adamw.GetLr(1), 15);
    }

    [Fact]
    public void Equal_group_lrs_all_get_exactly_the_scheduled_lr()
    {
        using var scope = TorchScope.Begin();
        using var adamw = new AdamW([
            new ParamGroup([Torch.Zeros([2]).RequiresGrad_()], new AdamWOptions(Lr: 6e-4, WeightDecay: 0.1)),
            new ParamGroup([Torch.Zeros([2]).RequiresGrad_()], new AdamWOptions(Lr: 6e-4, WeightDecay: 0))]);
        adamw.SetLr(1.234567e-4);
        Assert.Equal(1.234567e-4, adamw.GetLr(0));
        Assert.Equal(1.234567e-4, adamw.GetLr(1));
    }
}
