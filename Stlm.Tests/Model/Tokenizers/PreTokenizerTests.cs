using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

/// <summary>GPT-2's pre-tokenisation on readable examples (each checked with Python's regex module);
/// the fixtures in Gpt2ReferenceTests cover the rest.</summary>
public class PreTokenizerTests
{
    [Theory]
    [InlineData("Hello  world", new[] { "Hello", " ", " world" })]
    [InlineData("a\n\nb", new[] { "a", "\n", "\n", "b" })]
    [InlineData("end   ", new[] { "end", "   " })]
    [InlineData("I'm don'T it''s", new[] { "I", "'m", " don", "'", "T", " it", "''", "s" })]
    [InlineData("x?!  ...y", new[] { "x", "?!", " ", " ...", "y" })]
    [InlineData("abc123def", new[] { "abc", "123", "def" })]
    [InlineData(" \t x", new[] { " \t", " x" })]
    [InlineData("𝐀𝐁 😀😀 b", new[] { "𝐀𝐁", " 😀😀", " b" })]
    public void Splits_like_gpt2s_pattern(string text, string[] pieces) =>
        Assert.Equal(pieces, PreTokenizer.Pieces(text));

    [Fact]
    public void Pieces_cover_the_text_exactly()
    {
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var text = RandomUnicode.Next(random, 300);
            var pieces = PreTokenizer.Pieces(text);
            Assert.Equal(text, string.Concat(pieces));
            Assert.DoesNotContain("", pieces);
        }
    }
}
