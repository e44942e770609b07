using Stlm.Model.LibTorch;

namespace Stlm.Model.Architectures;

/// <summary>Generated tokens with the number of layers each one took (1 .. L).</summary>
public sealed record EarlyExitResult(IReadOnlyList<int> Tokens, IReadOnlyList<int> ExitLayers)
{
    /// <summary>The mean number of layers run per generated token (L when nothing exited early).</summary>
    public double AverageExitLayer => ExitLayers.Count == 0 ? 0 : ExitLayers.Average();
}

/// <summary>
/// Greedy generation with confidence exits: for each new token the layers run one at a time and
/// the token is taken from the first exit whose top probability reaches the threshold (the last
/// layer always answers). Each step re-runs the prefix through the layers it needs, so no
/// position ever reads a key/value from a layer that was skipped for it. A threshold of 1 never
/// exits early: a float probability of exactly 1 is rounding, not certainty.
/// </summary>
public static class ConfidenceExitGenerator
{
    public static EarlyExitResult Greedy(LayerSkipLm model, IReadOnlyList<int> prompt, int maxNewTokens, double threshold)
    {
        if (prompt.Count == 0) throw new StlmException("generation needs a prompt of at least one token (e.g. the end-of-text token)");
        if (threshold is <= 0 or > 1) throw new StlmException($"confidence threshold {threshold} must be in (0, 1]");
        var wasTraining = model.Training;
        model.Eval();
        try
        {
            var sequence = new List<int>(prompt);
            var tokens = new List<int>();
            var exits = new List<int>();
            for (var i = 0; i < maxNewTokens && sequence.Count < model.ContextLength; i++)
            {
                var (token, layers) = NextToken(model, sequence, threshold);
                sequence.Add(token);
                tokens.Add(token);
                exits.Add(layers);
            }
            return new EarlyExitResult(tokens, exits);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>The next token after <paramref name="sequence"/> and how many layers it took.</summary>
    static (int Token, int Layers) NextToken(LayerSkipLm model, IReadOnlyList<int> sequence, double threshold)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var device = model.Device;
        var ids = Torch.From(sequence.Select(t => (long)t).ToArray(), 1, sequence.Count).To(device);   // [1, T]
        var x = model.EmbedTokens.Forward(ids);                                                         // [1, T, d]
        var rope = model.Model.Rotary.Angles(0, sequence.Count);
        for (var l = 0; l < model.LayerCount; l++)
        {
            x = model.Layer(l, x, rope, null);
            var isLast = l == model.LayerCount - 1;
            if (!isLast && threshold >= 1) continue;
            var logits = model.Exit(x.Narrow(1, sequence.Count - 1, 1)).Reshape(-1);                    // [V] at the last position
            var (top, index) = logits.Softmax(0, DType.Float32).Max(0);
            if (isLast || top.ToDouble() >= threshold) return ((int)index.ToInt64(), l + 1);
        }
        throw new InvalidOperationException("unreachable: the last layer always answers");
    }
}
