using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

/// <summary>Our GPT-2 encodings against js-tiktoken's and our pieces against Python regex's (fixtures in Fixtures/Gpt2/reference).</summary>
public class Gpt2ReferenceTests
{
    [Fact]
    public void Plain_encodings_equal_the_js_tiktoken_reference()
    {
        var cases = Gpt2Fixture.IdCases();
        Assert.True(cases.Count > 100);
        foreach (var c in cases)
            Assert.True(c.Ids.SequenceEqual(Gpt2Fixture.Tokenizer.Encode(c.Text)), $"encoding differs for {Show(c.Text)}");
    }

    [Fact]
    public void Encodings_that_allow_special_tokens_equal_the_js_tiktoken_reference()
    {
        var withSeparator = 0;
        foreach (var c in Gpt2Fixture.IdCases())
        {
            Assert.True(c.IdsWithSpecial.SequenceEqual(Gpt2Fixture.Tokenizer.Encode(c.Text, allowSpecialTokens: true)), $"encoding differs for {Show(c.Text)}");
            withSeparator += c.IdsWithSpecial.Count(id => id == 50256);
        }
        Assert.True(withSeparator >= 8, "the fixture should exercise <|endoftext|>");
    }

    [Fact]
    public void Pre_tokenisation_equals_gpt2s_pattern_run_by_python_regex()
    {
        foreach (var c in Gpt2Fixture.PieceCases())
            Assert.Equal(c.Pieces, PreTokenizer.Pieces(c.Text));
    }

    [Fact]
    public void End_of_text_is_id_50256_and_the_vocabulary_has_50257_tokens()
    {
        Assert.Equal(50257, Gpt2Fixture.Tokenizer.VocabSize);
        Assert.Equal(50256, Gpt2Fixture.Tokenizer.EndOfText);
        Assert.Equal("<|endoftext|>", Gpt2Fixture.Tokenizer.Decode([50256]));
    }

    static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text.Length > 80 ? text[..80] + "…" : text);
}
