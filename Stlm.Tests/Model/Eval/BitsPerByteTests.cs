using Stlm.Model.Eval;

namespace Stlm.Tests.Model.Eval;

public class BitsPerByteTests
{
    [Fact]
    public void Bits_per_byte_divides_nats_by_ln2_times_the_original_utf8_length()
    {
        // "héllo" is 6 UTF-8 bytes; 3 tokens with losses 1.2, 0.9 and 2.059 nats sum to 4.159.
        var m = BitsPerByte.Empty.AddLoss(1.2, 1).AddLoss(0.9 + 2.059, 2).AddText("héllo");
        Assert.Equal(6, m.Bytes);
        Assert.Equal(3, m.Tokens);
        Assert.Equal(4.159 / (Math.Log(2) * 6), m.Bpb, 12);
        Assert.Equal(1.0000, m.Bpb, 3);      // 4.159 / 4.1589 ≈ 1.0000
        Assert.Equal(Math.Exp(4.159 / 3), m.TokenPerplexity, 12);
        Assert.Equal(3.9998, m.TokenPerplexity, 3); // e^1.38633 ≈ 3.9998
        Assert.Equal(2.0, m.BytesPerToken, 12);
    }

    [Fact]
    public void A_uniform_byte_model_scores_eight_bits_per_byte()
    {
        // Every byte predicted with p = 1/256: nll = n·ln 256 = 8 n ln 2, so 8 bits per byte.
        var text = "any text at all, 32 bytes long!!";
        var m = BitsPerByte.Empty.AddLoss(text.Length * Math.Log(256), text.Length).AddText(text);
        Assert.Equal(8.0, m.Bpb, 12);
        Assert.Equal(256.0, m.TokenPerplexity, 9);
    }

    [Fact]
    public void Accumulators_add_up_and_an_empty_one_has_no_value()
    {
        var a = new BitsPerByte(2.0, 2, 10);
        var b = new BitsPerByte(3.0, 3, 15);
        Assert.Equal(new BitsPerByte(5.0, 5, 25), a + b);
        Assert.True(double.IsNaN(BitsPerByte.Empty.Bpb));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.AddLoss(-1, 1));
    }

    [Fact]
    public void A_sample_of_a_split_is_credited_with_its_share_of_the_bytes()
    {
        // 900 of 1000 tokens scored with 630 nats; the split's 4000 bytes → 3600 bytes for the sample.
        var m = BitsPerByte.FromSample(630, 900, 1000, 4000);
        Assert.Equal(3600, m.Bytes);
        Assert.Equal(630 / (Math.Log(2) * 3600), m.Bpb, 12);
    }
}
