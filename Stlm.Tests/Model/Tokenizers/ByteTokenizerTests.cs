using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class ByteTokenizerTests
{
    [Fact]
    public void Ids_are_the_utf8_bytes_then_end_of_text_and_pad()
    {
        var t = new ByteTokenizer();
        Assert.Equal([104, 105, 0xC3, 0xA9], t.Encode("hié"));
        Assert.Equal([97, ByteTokenizer.EndOfTextId, 98], t.Encode("a<|endoftext|>b", allowSpecialTokens: true));
        Assert.Equal("ab", t.Decode([97, ByteTokenizer.PadId, 98]));
        Assert.Equal([1, 13, 0], t.TokenByteLengths([97, ByteTokenizer.EndOfTextId, ByteTokenizer.PadId]));
    }

    [Fact]
    public void Without_specials_only_the_256_bytes_exist()
    {
        var t = new ByteTokenizer(withSpecials: false);
        Assert.Null(t.EndOfText);
        Assert.Equal(14, t.Encode("<|endoftext|>!", allowSpecialTokens: true).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.DecodeBytes([256]));
    }
}
