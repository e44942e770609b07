using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class RoundTripTests
{
    static readonly Lazy<ITokenizer> Trained = new(() =>
        new BpeTokenizer(BpeTrainer.Train([SyntheticEnglish.Generate(60_000), RandomUnicode.Next(new Random(7), 20_000)], 600), "bpe(600)"));

    public static TheoryData<string> Tokenizers() => ["bytes", "bytes:raw", "gpt2", "trained"];

    static ITokenizer Get(string name) => name switch
    {
        "gpt2" => Gpt2Fixture.Tokenizer,
        "trained" => Trained.Value,
        _ => TokenizerSpec.Load(name),
    };

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Decoding_an_encoding_gives_back_random_unicode_text(string name)
    {
        var tokenizer = Get(name);
        var random = new Random(12345);
        for (var i = 0; i < 400; i++)
        {
            var text = RandomUnicode.Next(random, i < 300 ? 40 : 1000);
            var ids = tokenizer.Encode(text);
            Assert.Equal(text, tokenizer.Decode(ids));
            Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.VocabSize - 1));
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Token_byte_lengths_add_up_to_the_utf8_length_and_mark_the_token_bytes(string name)
    {
        var tokenizer = Get(name);
        var random = new Random(99);
        for (var i = 0; i < 100; i++)
        {
            var text = RandomUnicode.Next(random, 200);
            var bytes = Encoding.UTF8.GetBytes(text);
            var ids = tokenizer.Encode(text);
            var lengths = tokenizer.TokenByteLengths(ids);
            Assert.Equal(bytes.Length, lengths.Sum());
            var offset = 0;
            for (var t = 0; t < ids.Length; t++)
            {
                Assert.Equal(bytes.AsSpan(offset, lengths[t]).ToArray(), tokenizer.DecodeBytes([ids[t]]));
                offset += lengths[t];
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Special_spellings_round_trip_whether_recognised_or_not(string name)
    {
        var tokenizer = Get(name);
        const string text = "one<|endoftext|>two <|endoftext|>\n<|endoftext|";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        var withSpecials = tokenizer.Encode(text, allowSpecialTokens: true);
        Assert.Equal(text, tokenizer.Decode(withSpecials));
        if (tokenizer.EndOfText is { } eot)
        {
            Assert.Equal(2, withSpecials.Count(id => id == eot));
            Assert.DoesNotContain(eot, tokenizer.Encode(text));
        }
    }
}
