using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class BpeTokenizerConcurrencyTests
{
    [Fact]
    public void Threads_sharing_one_tokenizer_get_the_same_ids_even_while_its_cache_is_cleared()
    {
        var random = new Random(8);
        var texts = Enumerable.Range(0, 200).Select(_ => SyntheticEnglish.Generate(400, random.Next()) + RandomUnicode.Next(random, 60)).ToArray();
        var sequential = new BpeTokenizer(Gpt2Fixture.Tokenizer.Vocabulary, "gpt2");
        var expected = texts.Select(sequential.Encode).ToArray();

        var shared = new BpeTokenizer(Gpt2Fixture.Tokenizer.Vocabulary, "gpt2", cacheLimit: 200); // clears often
        var failures = 0;
        Parallel.For(0, 4 * texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            if (!shared.Encode(texts[i % texts.Length]).SequenceEqual(expected[i % texts.Length]))
                Interlocked.Increment(ref failures);
        });
        Assert.Equal(0, failures);
    }
}
