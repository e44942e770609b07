using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Model.Generation;

public enum StopReason
{
    MaxTokens,
    StopToken,
    /// <summary>The sequence reached the model's context length.</summary>
    ContextFull,
}

public sealed record GenerationResult(IReadOnlyList<int> Tokens, StopReason Reason);

/// <summary>
/// Autoregressive generation: run the prompt once, then one token at a time, feeding each new
/// token back. With the KV cache each step computes only the new position (RoPE continues at the
/// cache's length); without it each step re-runs the whole prefix — same logits, slower.
/// The model is put in eval mode (no dropout) under no-grad for the call and restored after.
/// </summary>
public static class TextGenerator
{
    public static GenerationResult Generate(ICausalLanguageModel model, IReadOnlyList<int> prompt, SamplingOptions options)
    {
        var tokens = new List<int>();
        var reason = StopReason.MaxTokens;
        foreach (var (token, stop) in Stream(model, prompt, options))
        {
            if (token >= 0) tokens.Add(token);
            if (stop is { } s) reason = s;
        }
        return new GenerationResult(tokens, reason);
    }

    /// <summary>Yields each new token as it is chosen; the last item carries the stop reason (token -1 when none was added).</summary>
    public static IEnumerable<(int Token, StopReason? Stop)> Stream(ICausalLanguageModel model, IReadOnlyList<int> prompt, SamplingOptions options)
    {
        options.Validate();
        if (prompt.Count == 0) throw new StlmException("generation needs a prompt of at least one token (e.g. the end-of-text token)");
        if (prompt.Count >= model.ContextLength)
            throw new StlmException($"the prompt has {prompt.Count} tokens but the model's context is {model.ContextLength}; shorten the prompt");

        var module = model as Module;
        var wasTraining = module?.Training ?? false;
        module?.Eval();
        var sampler = new TokenSampler(options);
        var sequence = new List<int>(prompt);
        using var cache = options.UseKvCache ? new KvCache(model.LayerCount) : null;
        try
        {
            var pending = prompt.ToArray();   // tokens the model has not seen yet
            for (var produced = 0; ; produced++)
            {
                if (produced == options.MaxNewTokens) { yield return (-1, StopReason.MaxTokens); yield break; }
                if (sequence.Count >= model.ContextLength) { yield return (-1, StopReason.ContextFull); yield break; }

                var next = sampler.Next(NextTokenLogits(model, cache is null ? sequence.ToArray() : pending, cache));
                sequence.Add(next);
                pending = [next];
                if (next == options.StopToken) { yield return (next, StopReason.StopToken); yield break; }
                yield return (next, null);
            }
        }
        finally
        {
            module?.Train(wasTraining);
        }
    }

    /// <summary>Logits of the position after <paramref name="ids"/> (continuing the cache, if any).</summary>
    public static float[] NextTokenLogits(ICausalLanguageModel model, int[] ids, KvCache? cache)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var device = (model as Module)?.Device ?? Device.Cpu;
        var input = Torch.From(ids.Select(i => (long)i).ToArray(), 1, ids.Length).To(device);   // [1, T]
        var logits = model.Forward(input, cache);                                                 // [1, T, V]
        return logits.Select(1, ids.Length - 1).Reshape(-1).To(DType.Float32).ToArray<float>();  // [V]
    }
}
