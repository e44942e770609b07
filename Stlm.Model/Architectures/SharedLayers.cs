using Stlm.Model.Nn;

namespace Stlm.Model.Architectures;

/// <summary>
/// The stack of layers for each weight-sharing variant (paper §3). Sharing is by object: layers
/// that share hold the same module or <see cref="Parameter"/>, so gradients from every layer
/// accumulate into one tensor and state dicts list the weight once, under its first layer's name.
/// </summary>
public static class SharedLayers
{
    public static IReadOnlyList<TransformerBlock> Build(ModelConfig config)
    {
        var n = config.NLayers;
        switch (config.WeightSharing)
        {
            case WeightSharing.None:
                return Enumerable.Range(0, n).Select(_ => new TransformerBlock(config)).ToList();

            case WeightSharing.Ffn:
            {
                // MobiLlama: attention and norms per layer, one FFN object for all.
                var ffn = FeedForward.Create(config);
                return Enumerable.Range(0, n).Select(_ => new TransformerBlock(config, new CausalSelfAttention(config), ffn)).ToList();
            }

            case WeightSharing.FfnAttention:
            {
                // ALBERT: one whole block repeated n times.
                var shared = new TransformerBlock(config);
                return Enumerable.Repeat(shared, n).ToList();
            }

            case WeightSharing.InteriorLora:
                return InteriorWithLora(config);

            default:
                throw new ArgumentOutOfRangeException(nameof(config), config.WeightSharing, "unknown weight sharing");
        }
    }

    static List<TransformerBlock> InteriorWithLora(ModelConfig config)
    {
        // The interior's shared weights: one template's parameters, never used as a layer itself.
        var template = new TransformerBlock(config);
        var attention = template.SelfAttention;

        Projection Adapted(Projection shared) => new LoRALinear(((Linear)shared).Weight, config.LoraRank, config.InitStd);

        FeedForward AdaptedFfn() => template.Mlp switch
        {
            SwiGluFfn s => new SwiGluFfn(Adapted(s.GateProj), Adapted(s.UpProj), Adapted(s.DownProj)),
            GeluFfn g => new GeluFfn(Adapted(g.UpProj), Adapted(g.DownProj)),
            _ => throw new InvalidOperationException("unknown FFN"),
        };

        var layers = new List<TransformerBlock> { new(config) };
        for (var i = 1; i < config.NLayers - 1; i++)
        {
            var adaptedAttention = new CausalSelfAttention(config,
                Adapted(attention.QProj), Adapted(attention.KProj), Adapted(attention.VProj), Adapted(attention.OProj));
            layers.Add(new TransformerBlock(config, adaptedAttention, AdaptedFfn()));
        }
        layers.Add(new TransformerBlock(config));
        return layers;
    }
}
