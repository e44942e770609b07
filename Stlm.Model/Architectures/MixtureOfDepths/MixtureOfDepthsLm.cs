using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline token model with mixture-of-depths routing:
///   x = embed(ids)                                                             [B, T, d]
///   for each layer l: routed? x = route(block_l, x, router_l(x))  else  x = block_l(x)
///   logits = lm_head(norm(x))                                                  [B, T, V]
/// A router is one d → 1 linear map per routed block. Training routes the top ⌈capacity · T⌉
/// tokens of each row (<see cref="TokenRouting.TopK"/>) and adds an auxiliary binary
/// cross-entropy teaching each score to say on its own whether its token was in the top-k;
/// evaluation and generation route by that prediction (score &gt; 0), which never looks at later
/// tokens, so the model stays causal. Capacity 1 routes every token, both ways.
/// It keeps no KV cache: a routed block skips some positions, so generation re-runs the prefix.
/// </summary>
public sealed class MixtureOfDepthsLm : TokenStackLm
{
    readonly int[] routerOfLayer;

    public ModuleList<Linear> Routers { get; }

    /// <summary>The model section; its mixture-of-depths sub-section gives capacity and routing.</summary>
    public MixtureOfDepthsLm(ModelConfig config, ulong seed) : base(config)
    {
        config.MixtureOfDepths.Validate();
        var (layers, d, std) = (config.NLayers, config.DModel, config.InitStd);
        var routed = Enumerable.Range(0, layers).Where(config.MixtureOfDepths.IsRouted).ToList();
        Routers = RegisterModule("routers", new ModuleList<Linear>(routed.Select(_ => new Linear(d, 1, ParameterGroup.Other, initStd: std))));
        routerOfLayer = Enumerable.Range(0, layers).Select(l => routed.IndexOf(l)).ToArray();
        RegisterLmHead();
        InitializeWeights(seed);
    }

    /// <summary>ids [B, T] → logits [B, T, V]; no cache (pass null, or generate with UseKvCache = false).</summary>
    public override Tensor Forward(Tensor ids, KvCache? cache)
    {
        if (cache is not null) throw new StlmException("mixture-of-depths keeps no KV cache (routed blocks skip positions); generate with the cache off");
        return Forward(ids);
    }

    /// <summary>ids [B, T] → logits [B, T, V].</summary>
    public Tensor Forward(Tensor ids)
    {
        using var scope = TorchScope.Begin();
        return scope.Keep(Run(ids, auxiliary: null));
    }

    /// <summary>Cross-entropy of ids [B, T] against targets [B, T], plus the routers' auxiliary loss when training.</summary>
    public override Tensor Loss(Tensor ids, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var auxiliary = new List<Tensor>();
        var logits = Run(ids, auxiliary);
        var loss = F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), targets.Reshape(-1), ignoreIndex: LanguageModelLoss.IgnoreIndex);
        foreach (var term in auxiliary) loss = loss + term * (Config.MixtureOfDepths.AuxLossWeight / auxiliary.Count);
        return scope.Keep(loss);
    }

    Tensor Run(Tensor ids, List<Tensor>? auxiliary)
    {
        var x = Embed(ids);                                                  // [B, T, d]
        var rope = Model.Rotary.Angles(0, ids.Size(1));                      // [T, head_dim]
        for (var l = 0; l < Model.LayerCount; l++)
        {
            var block = Model.Layers[l];
            if (routerOfLayer[l] < 0) { x = block.Forward(x, rope); continue; }
            var scores = Routers[routerOfLayer[l]].Forward(x).Squeeze(-1);    // [B, T]
            if (Training || Config.MixtureOfDepths.Capacity >= 1)
            {
                (x, var chosen) = TokenRouting.TopK(block, x, scores, rope, Config.MixtureOfDepths.Capacity);
                if (Training && Config.MixtureOfDepths.Capacity < 1) auxiliary?.Add(BinaryCrossEntropyWithLogits(scores, chosen));
            }
            else
            {
                x = TokenRouting.ByThreshold(block, x, scores, rope);
            }
        }
        return Exit(x);                                                      // [B, T, V]
    }

    /// <summary>mean(softplus(s) − y·s), the stable form of BCE on logits s against 0/1 targets y.</summary>
    static Tensor BinaryCrossEntropyWithLogits(Tensor scores, Tensor targets)
    {
        var softplus = scores.Clamp(min: 0) + (-scores.Abs()).Exp().Log1p();
        return (softplus - targets * scores).Mean();
    }
}
