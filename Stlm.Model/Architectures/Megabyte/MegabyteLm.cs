using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// MEGABYTE over a byte sequence x of length L = K·P (K patches of P bytes), top to bottom:
///   global: embed each byte at D_G / P, concatenate a patch's bytes → [B, K, D_G]; shift right by
///           one patch (a learned start patch first) so patch k sees only patches &lt; k; the
///           causal stack over patches → g [B, K, D_G]
///   local:  g → P conditioning vectors per patch [B·K, P, D_L]; add the embeddings of the patch's
///           bytes shifted right by one (start symbol first); a small causal stack within each
///           patch → logits [B, L, 256]
/// Output i predicts byte i from bytes &lt; i (same-position targets).
/// It trains on byte shards (tokenizer.kind = "bytes"). Its alphabet is the 256 byte values, so
/// the byte tokenizer's end-of-text id (256) is read as byte 0 (NUL, which text never holds): a
/// document separator the model can learn and generation stops at.
/// </summary>
public sealed class MegabyteLm : Module, ILanguageModel
{
    /// <summary>The byte that stands for the end of a document.</summary>
    public const byte DocumentSeparator = 0;

    public ModelConfig Config { get; }
    public Embedding GlobalEmbedBytes { get; }
    public Parameter StartPatch { get; }
    public CausalStack GlobalModel { get; }
    public Linear GlobalToLocal { get; }
    public Embedding LocalEmbedBytes { get; }
    public CausalStack LocalModel { get; }
    public Linear LmHead { get; }

    /// <summary>The model section: its stack is the global model, model.megabyte the patches and the local model.</summary>
    public MegabyteLm(ModelConfig config, ulong seed)
    {
        config.Validate();
        config.Megabyte.Validate(config);
        Config = config;
        var local = config.Megabyte.LocalStack(config);
        var (p, dg, dl, std) = (PatchSize, config.DModel, local.DModel, config.InitStd);
        GlobalEmbedBytes = RegisterModule("global_embed_bytes", new Embedding(ByteVocabulary.ByteCount, dg / p, initStd: std));
        StartPatch = RegisterParameter("global_start_patch", [dg], ParameterGroup.Embedding, new ParameterInit.Normal(std));
        GlobalModel = RegisterModule("global_model", new CausalStack(config));
        GlobalToLocal = RegisterModule("global_to_local", new Linear(dg, (long)p * dl, ParameterGroup.Other, initStd: std));
        LocalEmbedBytes = RegisterModule("local_embed_bytes", new Embedding(ByteVocabulary.EmbeddingRows, dl, initStd: std));
        LocalModel = RegisterModule("local_model", new CausalStack(local));
        LmHead = RegisterModule("lm_head", new Linear(dl, ByteVocabulary.ByteCount, ParameterGroup.Head, initStd: std));
        InitializeWeights(seed);
    }

    public int PatchSize => Config.Megabyte.PatchSize;

    /// <summary>The longest byte sequence the model reads: context-length patches.</summary>
    public int ContextBytes => Config.ContextLength * PatchSize;

    Module ILanguageModel.Module => this;

    /// <summary>bytes [B, L] (int64, L ≤ context bytes) → logits [B, L, 256], output i for byte i.</summary>
    public Tensor Forward(Tensor bytes)
    {
        using var scope = TorchScope.Begin();
        var (b, length, p) = (bytes.Size(0), bytes.Size(1), (long)PatchSize);
        if (length > ContextBytes)
            throw new StlmException($"megabyte: {length} bytes exceed the context of {ContextBytes} ({Config.ContextLength} patches of {p}); shorten the input");
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

    /// <summary>
    /// Next-byte cross-entropy of a row of byte-tokenizer ids: T inputs and T targets are the
    /// sequence of T + 1 bytes; the loss keeps the T predictions of the targets (the first byte's,
    /// made from the start patch alone, is left out), so it is a token model's loss over bytes.
    /// </summary>
    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var t = inputs.Size(1);
        var sequence = AsBytes(Torch.Cat([inputs, targets.Narrow(1, t - 1, 1)], 1));   // [B, T + 1]
        var logits = Forward(sequence).Narrow(1, 1, t);                                // [B, T, 256]: predictions of bytes 1..T
        var next = AsBytes(targets);                                                   // [B, T]
        return scope.Keep(F.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), next.Reshape(-1)));
    }

    /// <summary>Byte-tokenizer ids → MEGABYTE bytes: end-of-text (and padding) become the separator byte.</summary>
    public static Tensor AsBytes(Tensor ids)
    {
        using var scope = TorchScope.Begin();
        var ids64 = ids.To(DType.Int64);
        return scope.Keep(Torch.Where(ids64 >= (long)ByteVocabulary.ByteCount, ids64.FullLike(DocumentSeparator), ids64));
    }

    /// <summary>The byte window one training row spans: the context less one, so inputs plus the last target fit.</summary>
    public static int WindowLength(ModelConfig config) => config.ContextLength * config.Megabyte.PatchSize - 1;

    /// <summary>Whether the corpus tokenizer gives MEGABYTE bytes (ids 0–255, plus end-of-text and padding).</summary>
    public static bool Reads(ITokenizer tokenizer) => tokenizer is ByteTokenizer;
}
