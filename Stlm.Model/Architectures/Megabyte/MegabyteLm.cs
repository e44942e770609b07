using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// MEGABYTE over a byte sequence x of length L = K·P (K patches of P bytes), top to bottom:
///   global: embed each byte at D_G / P, concatenate a patch's bytes → [B, K, D_G]; shift right by
///           one patch (a learned start patch first) so patch k sees only patches &lt; k; the
///           causal core over patches → g [B, K, D_G]
///   local:  g → P conditioning vectors per patch [B·K, P, D_L]; add the embeddings of the patch's
///           bytes shifted right by one (start symbol first); a small causal model within each
///           patch → logits [B, L, 256]
/// Output i predicts byte i from bytes &lt; i (same-position targets: the loss compares with x itself).
/// </summary>
public sealed class MegabyteLm : Module
{
    public MegabyteLmConfig Config { get; }
    public Embedding GlobalEmbedBytes { get; }
    public Parameter StartPatch { get; }
    public CausalStack GlobalModel { get; }
    public Linear GlobalToLocal { get; }
    public Embedding LocalEmbedBytes { get; }
    public CausalStack LocalModel { get; }
    public Linear LmHead { get; }

    public MegabyteLm(MegabyteLmConfig config, ulong seed)
    {
        config.Validate();
        Config = config;
        var (p, dg, dl, std) = (config.PatchSize, config.Global.DModel, config.Local.DModel, config.Global.Block.InitStd);
        GlobalEmbedBytes = RegisterModule("global_embed_bytes", new Embedding(ByteVocabulary.ByteCount, config.GlobalByteDim, initStd: std));
        StartPatch = RegisterParameter("global_start_patch", [dg], ParameterGroup.Embedding, new ParameterInit.Normal(std));
        GlobalModel = RegisterModule("global_model", new CausalStack(config.Global));
        GlobalToLocal = RegisterModule("global_to_local", new Linear(dg, (long)p * dl, ParameterGroup.Other, initStd: std));
        LocalEmbedBytes = RegisterModule("local_embed_bytes", new Embedding(ByteVocabulary.EmbeddingRows, dl, initStd: std));
        LocalModel = RegisterModule("local_model", new CausalStack(new CoreStackConfig(config.LocalLayers, config.Local, p)));
        LmHead = RegisterModule("lm_head", new Linear(dl, ByteVocabulary.ByteCount, ParameterGroup.Head, initStd: std));
        InitializeWeights(seed);
    }

    /// <summary>bytes [B, L] (int64, L ≤ context bytes) → logits [B, L, 256], output i for byte i.</summary>
    public Tensor Forward(Tensor bytes)
    {
        using var scope = TorchScope.Begin();
        var (b, length, p) = (bytes.Size(0), bytes.Size(1), (long)Config.PatchSize);
        if (length > Config.ContextBytes)
            throw new StlmException($"megabyte: {length} bytes exceed the context of {Config.ContextBytes} ({Config.Global.ContextLength} patches of {p}); shorten the input");
        var k = (length + p - 1) / p;
        var x = length == k * p ? bytes : Torch.Cat([bytes, bytes.ZerosLike().Narrow(1, 0, k * p - length)], 1);   // [B, K·P]; the tail pad only feeds later outputs

        // Global model over patches, shifted by one patch.
        var patches = GlobalEmbedBytes.Forward(x).Reshape(b, k, -1);                                   // [B, K, D_G]
        var start = StartPatch.Value.View(1, 1, -1).Expand(b, 1, -1);                                  // [B, 1, D_G]
        var globalIn = Torch.Cat([start, patches.Narrow(1, 0, k - 1)], 1);                             // [B, K, D_G]
        var g = GlobalModel.Forward(globalIn);                                                         // [B, K, D_G]

        // Local model within each patch, conditioned position by position on its patch's g.
        var condition = GlobalToLocal.Forward(g).Reshape(b * k, p, -1);                               // [B·K, P, D_L]
        var inPatch = x.View(b * k, p);                                                                // [B·K, P]
        var shifted = Torch.Cat([inPatch.FullLike(ByteVocabulary.StartOfPatch).Narrow(1, 0, 1), inPatch.Narrow(1, 0, p - 1)], 1);
        var h = LocalModel.Forward(LocalEmbedBytes.Forward(shifted) + condition);                      // [B·K, P, D_L]
        var logits = LmHead.Forward(h).View(b, k * p, -1);                                             // [B, K·P, 256]
        return scope.Keep(logits.Narrow(1, 0, length));                                                // [B, L, 256]
    }

    /// <summary>Mean cross-entropy per byte of bytes [B, L].</summary>
    public Tensor Loss(Tensor bytes)
    {
        using var scope = TorchScope.Begin();
        var logits = Forward(bytes);
        return scope.Keep(F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), bytes.Reshape(-1)));
    }
}
