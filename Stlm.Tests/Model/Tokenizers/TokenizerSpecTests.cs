using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class TokenizerSpecTests
{
    [Theory]
    [InlineData("bytes", "bytes", 258)]
    [InlineData("bytes:raw", "bytes:raw", 256)]
    public void Byte_specs_give_byte_tokenizers(string spec, string name, int vocab)
    {
        var t = TokenizerSpec.Load(spec);
        Assert.Equal(name, t.Name);
        Assert.Equal(vocab, t.VocabSize);
    }

    [Fact]
    public void A_gpt2_folder_loads_with_either_pair_of_file_names()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stlm-gpt2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(Path.Combine(Gpt2Fixture.Directory, "encoder.json"), Path.Combine(dir, "vocab.json"));
            File.Copy(Path.Combine(Gpt2Fixture.Directory, "vocab.bpe"), Path.Combine(dir, "merges.txt"));
            var t = TokenizerSpec.Load("gpt2:" + Path.GetFileName(dir), Path.GetTempPath());
            Assert.Equal("gpt2-bpe(50257)", t.Name);
            Assert.Equal(Gpt2Fixture.Tokenizer.Encode("Hello there, world's end"), t.Encode("Hello there, world's end"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Loading_the_same_files_twice_shares_one_tokenizer_until_they_change()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stlm-shared-" + Guid.NewGuid().ToString("N"));
        try
        {
            BpeFiles.Save(BpeTrainer.Train(["aa bb aa bb cc"], 260), dir);
            var first = TokenizerSpec.Load("bpe:" + dir);
            Assert.Same(first, TokenizerSpec.Load("bpe:" + dir));
            BpeFiles.Save(BpeTrainer.Train(["aa bb aa bb cc aa"], 262), dir);
            var second = TokenizerSpec.Load("bpe:" + dir);
            Assert.NotSame(first, second);
            Assert.Equal(262, second.VocabSize);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("wordpiece:x", "unknown tokenizer spec")]
    [InlineData("", "unknown tokenizer spec")]
    [InlineData("bytes:cooked", "unknown tokenizer spec")]
    [InlineData("gpt2:", "names no folder")]
    [InlineData("gpt2:/no/such/folder", "does not exist; get GPT-2's encoder.json")]
    [InlineData("bpe:/no/such/folder", "stlm tokenizer train")]
    public void Bad_specs_give_one_actionable_line(string spec, string expected)
    {
        var e = Assert.Throws<StlmException>(() => TokenizerSpec.Load(spec));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_folder_without_vocabulary_files_or_with_broken_ones_is_reported_with_the_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stlm-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var e = Assert.Throws<StlmException>(() => TokenizerSpec.Load("gpt2:" + dir));
            Assert.Contains("neither vocab.json + merges.txt nor encoder.json + vocab.bpe", e.Message);

            File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"a\": 0,");
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n");
            e = Assert.Throws<StlmException>(() => TokenizerSpec.Load("bpe:" + dir));
            Assert.Contains("vocab.json", e.Message);

            var bytes = Enumerable.Range(0, 256).Select(b => $"\"{System.Text.Json.JsonEncodedText.Encode(ByteLevelAlphabet.CharFor((byte)b).ToString())}\": {b}");
            File.WriteAllText(Path.Combine(dir, "vocab.json"), "{" + string.Join(",", bytes) + "}");
            File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\na b\nzz\n");
            e = Assert.Throws<StlmException>(() => TokenizerSpec.Load("bpe:" + dir));
            Assert.Contains("merges.txt:3:", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
