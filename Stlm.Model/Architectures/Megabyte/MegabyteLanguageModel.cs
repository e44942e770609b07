using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// MEGABYTE trained on byte shards (tokenizer.kind = "bytes"). Its alphabet is the 256 byte
/// values, so the byte tokenizer's end-of-text id (256) is read as byte 0 (NUL, which text never
/// holds) — a document separator the model can learn and generation stops at. A row of T inputs
/// and T targets is the sequence of T + 1 bytes; MEGABYTE predicts every byte from the ones
/// before it, and the loss keeps the T predictions of the targets (the first byte's, made from
/// the start patch alone, is left out), so it is next-byte cross-entropy like a token model's.
/// </summary>
public sealed class MegabyteLanguageModel(MegabyteLm model) : ILanguageModel
{
    /// <summary>The byte that stands for the end of a document.</summary>
    public const byte DocumentSeparator = 0;

    public MegabyteLm Model { get; } = model;
    public Module Module => Model;

    public Tensor Loss(Tensor inputs, Tensor targets)
    {
        using var scope = TorchScope.Begin();
        var t = inputs.Size(1);
        var sequence = AsBytes(Torch.Cat([inputs, targets.Narrow(1, t - 1, 1)], 1));   // [B, T + 1]
        var logits = Model.Forward(sequence).Narrow(1, 1, t);                          // [B, T, 256]: predictions of bytes 1..T
        var next = AsBytes(targets);
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
    public static int WindowLength(MegabyteLmConfig config) => config.ContextBytes - 1;

    /// <summary>Whether the corpus tokenizer gives MEGABYTE bytes (ids 0–255, plus end-of-text and padding).</summary>
    public static bool Reads(ITokenizer tokenizer) => tokenizer is ByteTokenizer;
}
