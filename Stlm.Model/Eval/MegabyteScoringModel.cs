using System.Text;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores with MEGABYTE. Units are bytes; a text starts after the document-separator byte, as
/// documents do in the byte shards it trained on. Output i of a window predicts byte i from the
/// bytes before it in the window, a softmax over the 256 byte values, and a byte string has
/// exactly one spelling in bytes: the sum of those log-probabilities is the model's exact
/// log P(text | separator) — the chain rule, with nothing to marginalise (patches are fixed
/// positions, not a choice). Texts longer than the context are scored over sliding windows,
/// like any fixed-context model.
/// </summary>
public sealed class MegabyteScoringModel(MegabyteLm model) : UnitScoringModel<byte>
{
    public override string Unit => "bytes";
    public override int ContextLength => model.ContextBytes;
    protected override long OutputsPerUnit => ByteVocabulary.ByteCount;

    /// <summary>Output i reads only bytes before i (the global model is causal over patches, the local one within a patch), so rows may be right-padded.</summary>
    protected override double Padding => WindowBatches.DefaultPadding;

    protected override byte[] Start => [MegabyteLm.DocumentSeparator];

    protected override byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    protected override double[][] LogProbs(IReadOnlyList<ScoringWindow<byte>> windows)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var (rows, length, from) = (windows.Count, WindowTails.Longest(windows), WindowTails.EarliestTarget(windows));
        var bytes = Torch.From(WindowTails.Padded(windows, b => b, MegabyteLm.DocumentSeparator), rows, length).To(model.Device);   // [B, L], short rows right-padded
        // Contiguous before the softmax: libtorch's log_softmax of a narrowed view is an order of magnitude slower.
        var logits = model.Forward(bytes).Narrow(1, from, length - from).Contiguous();                                             // [B, n, 256]
        var targets = bytes.Narrow(1, from, length - from).Unsqueeze(-1);                                                           // [B, n, 1]
        var logProbs = logits.LogSoftmax(-1, DType.Float32).Gather(-1, targets);                                                    // [B, n, 1]
        return WindowTails.Split(logProbs.Reshape(-1).To(Device.Cpu).To(DType.Float64).ToArray<double>(), windows, from);
    }
}
