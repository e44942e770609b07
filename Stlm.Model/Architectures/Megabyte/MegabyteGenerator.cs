using Stlm.Model.Generation;
using Stlm.Model.LibTorch;

namespace Stlm.Model.Architectures;

/// <summary>
/// Byte-by-byte generation with MEGABYTE (greedy, or any sampler's choice). Output i predicts byte i from the bytes before
/// it, so the next byte's logits sit at the position after the sequence: the model reads the
/// sequence plus a placeholder byte, which causality keeps from influencing that output. Each
/// step re-runs the (cropped) sequence; no cache.
/// </summary>
public static class MegabyteGenerator
{
    public static byte[] Greedy(MegabyteLm model, IReadOnlyList<byte> prompt, int maxNewBytes) =>
        Generate(model, prompt, maxNewBytes, new TokenSampler(new SamplingOptions { Temperature = 0 }));

    public static byte[] Generate(MegabyteLm model, IReadOnlyList<byte> prompt, int maxNewBytes, TokenSampler sampler)
    {
        if (prompt.Count == 0) throw new StlmException("megabyte generation needs a prompt of at least one byte");
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            var sequence = new List<byte>(prompt);
            for (var i = 0; i < maxNewBytes; i++) sequence.Add(NextByte(model, sequence, sampler));
            return sequence.Skip(prompt.Count).ToArray();
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    static byte NextByte(MegabyteLm model, List<byte> sequence, TokenSampler sampler)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        // Keep whole patches from the end, so the next byte sits where it would in a fresh sequence.
        var p = model.PatchSize;
        var keep = Math.Min(sequence.Count, model.ContextBytes - 1);
        var start = sequence.Count - keep;
        start -= start % p == 0 ? 0 : start % p - p;
        var window = sequence.Skip(start).Select(b => (long)b).Append(0L).ToArray();   // placeholder for the byte being predicted
        var logits = model.Forward(Torch.From(window, 1, window.Length).To(model.Device));   // [1, L + 1, 256]
        return (byte)sampler.Next(logits.Select(1, window.Length - 1).Reshape(-1).To(DType.Float32).ToArray<float>());
    }
}
