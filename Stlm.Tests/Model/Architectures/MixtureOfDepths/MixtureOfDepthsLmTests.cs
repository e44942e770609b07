using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.Architectures.MixtureOfDepths;

public class MixtureOfDepthsLmTests
{
    static readonly ModelConfig Tiny = TinyCores.Core(layers: 4, d: 32, context: 32) with
    {
        Architecture = ArchitectureKind.MixtureOfDepths,
        MixtureOfDepths = new() { Capacity = 0.5, RouteEvery = 2, AuxLossWeight = 0.01 },
    };

    static ModelConfig Routed(Func<MixtureOfDepthsConfig, MixtureOfDepthsConfig> change) => Tiny with { MixtureOfDepths = change(Tiny.MixtureOfDepths) };

    /// <summary>The same weights run as the plain stack: embedding, every block on every token, norm, head.</summary>
    static Tensor PlainLogits(MixtureOfDepthsLm model, Tensor ids) =>
        model.LmHead.Forward(model.Model.Forward(model.EmbedTokens.Forward(ids)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Capacity_one_equals_the_plain_block_stack(bool training)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new MixtureOfDepthsLm(Routed(m => m with { Capacity = 1.0, RouteEvery = 1 }), seed: 3);
        model.Train(training);
        var ids = TinyCores.Ids(2, 12, 64, seed: 1);

        Assert.True(TinyCores.MaxAbsDifference(PlainLogits(model, ids), model.Forward(ids)) < 1e-5);
    }

    [Fact]
    public void Inference_routing_is_causal()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new MixtureOfDepthsLm(Routed(m => m with { RouteEvery = 1 }), seed: 3);
        model.Eval();

        var (ids, before) = TinyCores.AssertCausal(model);
        // Routing really skips: the routed model differs from the plain stack.
        Assert.True(TinyCores.MaxAbsDifference(before, PlainLogits(model, ids)) > 1e-4);
    }

    [Fact]
    public void Top_k_routing_updates_exactly_the_capacity_and_leaves_the_rest()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new MixtureOfDepthsLm(Tiny, seed: 2);
        var x = model.EmbedTokens.Forward(TinyCores.Ids(3, 8, 64, seed: 4));
        var scores = Torch.Randn([3, 8]);
        var rope = model.Model.Rotary.Angles(0, 8);

        var (y, chosen) = TokenRouting.TopK(model.Model.Layers[1], x, scores, rope, capacity: 0.25);

        Assert.Equal([2.0, 2.0, 2.0], chosen.Sum(1).To(DType.Float64).ToArray<double>());
        var changedRows = (y - x).Abs().Amax(-1) > 0;                        // [3, 8]
        Assert.True(changedRows.Eq(chosen > 0).All());
        var topTwo = scores.TopK(2, 1).Values.Amin(1, keepDim: true);       // the chosen are the two best scores
        Assert.True(((scores >= topTwo).To(DType.Float32)).Eq(chosen).All());
    }

    [Fact]
    public void Routers_get_gradients_through_the_gate()
    {
        using var scope = TorchScope.Begin();
        var model = new MixtureOfDepthsLm(Routed(m => m with { AuxLossWeight = 0 }), seed: 2);
        var tokens = TinyCores.Ids(2, 13, 64, seed: 6);

        model.Loss(tokens.Narrow(1, 0, 12), tokens.Narrow(1, 1, 12)).Backward();

        Assert.All(model.Routers.Items, r => Assert.True(r.Weight.Grad!.Abs().Sum().ToDouble() > 0));
    }

    [Fact]
    public void Parameter_count_equals_the_closed_form()
    {
        using var scope = TorchScope.Begin();
        long v = Tiny.VocabSize, d = Tiny.DModel;
        var routed = 2;   // layers 1 and 3 of 4 with route-every 2

        var total = new MixtureOfDepthsLm(Tiny, seed: 1).CountParameters().Total;

        Assert.Equal(v * d + TinyCores.StackParameters(4, Tiny) + routed * d, total);
    }

    [Fact]
    public void Overfits_one_small_batch_to_near_zero_loss()
    {
        using var scope = TorchScope.Begin();
        var model = new MixtureOfDepthsLm(Tiny, seed: 5);
        var tokens = TinyCores.Ids(2, 17, 64, seed: 9);
        var (ids, targets) = (tokens.Narrow(1, 0, 16), tokens.Narrow(1, 1, 16));

        var final = TinyCores.Train(model, () => model.Loss(ids, targets), steps: 150, lr: 1e-2);

        Assert.True(final < 0.05, $"loss after 150 steps: {final}");
    }
}
