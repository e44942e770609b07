using Stlm.Model.Architectures;
using Stlm.Model.Generation;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Tests.Model.Architectures;

namespace Stlm.Tests.Model.Generation;

public class GenerationTests
{
    [Theory]
    [InlineData("tied")]
    [InlineData("interior-lora")]
    [InlineData("share-ffn-attention")]
    public void Cached_steps_give_the_logits_of_recomputing_the_whole_prefix(string variant)
    {
        using var scope = TorchScope.Begin();
        using var _ = Torch.NoGrad();
        var model = new LlamaForCausalLM(TinyModels.Variant(variant), seed: 11);
        model.Eval();
        var ids = TinyModels.Ids(2, 12, 64, seed: 4);
        var full = model.Forward(ids);   // [2, 12, V]

        using var cache = new KvCache(model.LayerCount);
        // A prompt of 5, then chunks of 3 (a multi-token step over a cache), then single tokens.
        var pieces = new (int Start, int Length)[] { (0, 5), (5, 3), (8, 1), (9, 1), (10, 1), (11, 1) };
        foreach (var (start, length) in pieces)
        {
            var step = model.Forward(ids.Narrow(1, start, length), cache);
            Assert.True(TinyModels.MaxAbsDifference(full.Narrow(1, start, length), step) < 1e-5, $"positions {start}..{start + length - 1}");
        }
        Assert.Equal(12, cache.Length);
    }

    [Fact]
    public void Generation_with_and_without_the_cache_picks_the_same_tokens()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 12);
        var options = new SamplingOptions { Temperature = 0.8, TopK = 20, TopP = 0.9, MaxNewTokens = 20, Seed = 5 };

        var cached = TextGenerator.Generate(model, [1, 2, 3], options);
        var recomputed = TextGenerator.Generate(model, [1, 2, 3], options with { UseKvCache = false });

        Assert.Equal(20, cached.Tokens.Count);
        Assert.Equal(cached.Tokens, recomputed.Tokens);
        Assert.Equal(StopReason.MaxTokens, cached.Reason);
        Assert.True(model.Training, "generation restores the training mode");
    }

    [Fact]
    public void Same_seed_same_text_and_temperature_zero_is_greedy()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 13);
        var sampling = new SamplingOptions { Temperature = 1.5, MaxNewTokens = 15, Seed = 1 };
        var a = TextGenerator.Generate(model, [7], sampling).Tokens;
        Assert.Equal(a, TextGenerator.Generate(model, [7], sampling).Tokens);
        Assert.NotEqual(a, TextGenerator.Generate(model, [7], sampling with { Seed = 2 }).Tokens);

        var greedy = TextGenerator.Generate(model, [7], new SamplingOptions { Temperature = 0, MaxNewTokens = 5 }).Tokens;
        var sequence = new List<int> { 7 };
        foreach (var token in greedy)
        {
            var logits = TextGenerator.NextTokenLogits(model, sequence.ToArray(), cache: null);
            Assert.Equal(Array.IndexOf(logits, logits.Max()), token);
            sequence.Add(token);
        }
    }

    [Fact]
    public void Generation_stops_at_the_stop_token_and_at_the_context_length()
    {
        using var scope = TorchScope.Begin();
        var model = new LlamaForCausalLM(TinyModels.Base, seed: 14);
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = 10 };
        var first = TextGenerator.Generate(model, [3], greedy).Tokens[0];

        var stopped = TextGenerator.Generate(model, [3], greedy with { StopToken = first });
        Assert.Equal([first], stopped.Tokens);
        Assert.Equal(StopReason.StopToken, stopped.Reason);

        var full = TextGenerator.Generate(model, Enumerable.Range(0, 30).ToList(), greedy);
        Assert.Equal(2, full.Tokens.Count);   // context 32
        Assert.Equal(StopReason.ContextFull, full.Reason);
    }

    [Fact]
    public void Top_k_and_top_p_only_ever_pick_from_the_allowed_tokens()
    {
        float[] logits = [0, 5, 4, 3, -2, 1];   // softmax mass: token 1 ≈ .64, 2 ≈ .24, 3 ≈ .09
        var topK = new TokenSampler(new SamplingOptions { TopK = 2, Seed = 3 });
        var topP = new TokenSampler(new SamplingOptions { TopP = 0.8, Seed = 3 });
        var picksK = Enumerable.Range(0, 300).Select(_ => topK.Next(logits)).ToHashSet();
        var picksP = Enumerable.Range(0, 300).Select(_ => topP.Next(logits)).ToHashSet();

        Assert.Equal([1, 2], picksK.Order());
        Assert.Equal([1, 2], picksP.Order());   // .64 < .8 ≤ .64 + .24
        var plain = new TokenSampler(new SamplingOptions { Seed = 3 });
        var picks = Enumerable.Range(0, 2000).Select(_ => plain.Next(logits)).ToHashSet();
        Assert.Contains(3, picks);   // p ≈ .09
        Assert.Contains(5, picks);   // p ≈ .012
    }
}
