using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Tests.Model.Architectures;

public class ArchitectureTests
{
    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void Changing_later_tokens_never_changes_earlier_logits(string variant)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Variant(variant), seed: 3);
        var ids = TinyModels.Ids(2, 12, 64, seed: 1);
        var changed = ids.Clone();
        const int cut = 7;
        changed.Narrow(1, cut, 12 - cut).CopyInPlace(TinyModels.Ids(2, 12 - cut, 64, seed: 2));

        var before = model.Forward(ids);
        var after = model.Forward(changed);

        Assert.True(TinyModels.MaxAbsDifference(before.Narrow(1, 0, cut), after.Narrow(1, 0, cut)) < 1e-6);
        Assert.True(TinyModels.MaxAbsDifference(before.Narrow(1, cut, 12 - cut), after.Narrow(1, cut, 12 - cut)) > 1e-4,
            "later positions should see the changed tokens");
    }

    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void Parameter_count_equals_the_closed_form(string variant)
    {
        var c = TinyModels.Variant(variant);
        long v = c.VocabSize, d = c.DModel, l = c.NLayers, f = c.FfnHidden, hd = c.DModel / c.NHeads, r = c.LoraRank;
        long q = c.NHeads * hd, kv = c.NKvHeads * hd;
        var attention = d * q + 2 * d * kv + q * d;
        var ffn = (c.Activation == FfnActivation.Swiglu ? 3 : 2) * d * f;
        var norms = 2 * d;
        var embedding = v * d;
        var head = c.TieEmbeddings ? 0 : v * d;
        // Per interior layer, a rank-r adapter (r·(in + out)) on each of the 7 projections.
        var adapters = c.WeightSharing == WeightSharing.InteriorLora
            ? (l - 2) * r * ((d + q) + 2 * (d + kv) + (q + d) + 3 * (d + f))
            : 0;
        var layers = c.WeightSharing switch
        {
            WeightSharing.None => l * (attention + ffn + norms),
            WeightSharing.Ffn => l * (attention + norms) + ffn,
            WeightSharing.FfnAttention => attention + ffn + norms,
            // Two unshared end layers, one shared interior, and per interior layer its norms.
            WeightSharing.InteriorLora => 2 * (attention + ffn + norms) + attention + ffn + (l - 2) * norms + adapters,
            _ => throw new ArgumentException(variant),
        };

        using var scope = TorchScope.Begin();
        var counts = new LlamaForCausalLM(c, seed: 1).CountParameters();

        Assert.Equal(embedding + head + layers + d, counts.Total);
        Assert.Equal(embedding, counts[ParameterGroup.Embedding]);
        Assert.Equal(head, counts[ParameterGroup.Head]);
        Assert.Equal(adapters, counts[ParameterGroup.Adapter]);
        Assert.Equal(counts.Total - embedding - head, counts.Core);
    }

    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void Overfits_one_small_batch_to_near_zero_loss(string variant)
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Variant(variant), seed: 5);
        var tokens = TinyModels.Ids(2, 17, 64, seed: 9);
        var ids = tokens.Narrow(1, 0, 16);
        var targets = tokens.Narrow(1, 1, 16);
        var initial = model.Loss(ids, targets).ToDouble();

        var final = TinyModels.Train(model, ids, targets, steps: 150, lr: 2e-2);

        Assert.InRange(initial, 3.5, 5.0);   // ≈ ln 64 at init
        Assert.True(final < 0.05, $"loss after 150 steps: {final}");
    }

    [Fact]
    public void Forward_gives_logits_of_batch_time_vocab()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        var logits = model.Forward(TinyModels.Ids(3, 5, 64, seed: 1));
        Assert.Equal([3L, 5, 64], logits.Shape);
    }

    [Fact]
    public void Loss_ignores_targets_equal_to_the_ignore_index()
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 1);
        var ids = TinyModels.Ids(1, 6, 64, seed: 1);
        var targets = TinyModels.Ids(1, 6, 64, seed: 2);
        var padded = targets.Clone();
        padded.Narrow(1, 3, 3).FillInPlace(-100);

        var logits = model.Forward(ids);
        var full = LanguageModelLoss.CrossEntropy(logits.Narrow(1, 0, 3), targets.Narrow(1, 0, 3)).ToDouble();
        var masked = model.Loss(ids, padded).ToDouble();

        // Loss fuses the head with the cross-entropy: the same math, rounded in another order.
        Assert.Equal(full, masked, 5);
    }

    [Fact]
    public void Invalid_configs_fail_with_one_actionable_line()
    {
        var e1 = Assert.Throws<Stlm.Model.StlmException>(() => new LlamaForCausalLM(TinyModels.Base with { NKvHeads = 3 }, 1));
        Assert.Contains("n-kv-heads", e1.Message);
        var e2 = Assert.Throws<Stlm.Model.StlmException>(() => new LlamaForCausalLM(TinyModels.Base with { WeightSharing = WeightSharing.InteriorLora }, 1));
        Assert.Contains("lora-rank", e2.Message);
        var e3 = Assert.Throws<Stlm.Model.StlmException>(() => new LlamaForCausalLM(TinyModels.Base with { DModel = 30 }, 1));
        Assert.Contains("n-heads", e3.Message);
    }
}
