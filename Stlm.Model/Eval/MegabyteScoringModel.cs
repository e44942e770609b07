using System.Text;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Eval;

/// <summary>
/// Scores with MEGABYTE. Units are bytes; a text starts after the document-separator byte, as
/// documents do in the byte shards it trained on. Output i of a window predicts byte i from the
/// bytes before it in the window.
/// </summary>
public sealed class MegabyteScoringModel(MegabyteLm model) : UnitScoringModel<byte>
{
    public override string Unit => "bytes";
    public override int ContextLength => model.Config.ContextBytes;

    protected override byte[] Start => [MegabyteLanguageModel.DocumentSeparator];

    protected override byte[] Encode(string text) => Encoding.UTF8.GetBytes(text);

    protected override double[] LogProbs(IReadOnlyList<byte> input, int from)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var bytes = Torch.From(input.Select(b => (long)b).ToArray(), 1, input.Count).To(model.Device);   // [1, L]
        var logits = model.Forward(bytes).Narrow(1, from, input.Count - from);                           // [1, n, 256]
        var targets = bytes.Narrow(1, from, input.Count - from).Unsqueeze(-1);                            // [1, n, 1]
        return logits.LogSoftmax(-1, DType.Float32).Gather(-1, targets).Reshape(-1).To(Device.Cpu).To(DType.Float64).ToArray<double>();
    }
}
