using Stlm.Model.Generation;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Generation;

public class LanguageModelGeneratorTests
{
    [Theory]
    [InlineData("llama", "tokens")]
    [InlineData("layerskip", "tokens")]
    [InlineData("mixture-of-depths", "tokens")]
    [InlineData("megabyte", "bytes")]
    [InlineData("byte-pooled", "chunks")]
    public void Every_architecture_continues_a_prompt_and_a_seed_repeats_the_sample(string architecture, string unit)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var (model, tokenizer) = TinyCheckpoints.Build(TinyCheckpoints.ConfigIn(architecture, dir));
        var options = new SamplingOptions { Temperature = 1.2, TopK = 50, MaxNewTokens = 5, Seed = 3 };

        var first = LanguageModelGenerator.Generate(model, tokenizer, "The cat", options);
        var again = LanguageModelGenerator.Generate(model, tokenizer, "The cat", options);
        var greedy = LanguageModelGenerator.Generate(model, tokenizer, "The cat", options with { Temperature = 0 });

        Assert.Equal(unit, first.Unit);
        Assert.InRange(first.Units, 1, 5);
        Assert.Equal(first, again);
        Assert.Equal(greedy, LanguageModelGenerator.Generate(model, tokenizer, "The cat", options with { Temperature = 0, Seed = 99 }));
        Assert.Equal(architecture == "layerskip", greedy.AverageExitLayer is not null);   // LayerSkip's greedy decoding exits early
    }
}
