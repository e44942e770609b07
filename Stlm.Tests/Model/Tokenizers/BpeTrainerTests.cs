using Stlm.Model;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class BpeTrainerTests
{
    const string Corpus = "low low low low low lower lower newest newest newest newest newest newest widest widest widest";

    static string Spell(BpeVocabulary v, (int Left, int Right) merge) =>
        ByteLevelAlphabet.Spell(v.TokenBytes[merge.Left]) + " " + ByteLevelAlphabet.Spell(v.TokenBytes[merge.Right]);

    [Fact]
    public void Learns_the_most_frequent_pairs_first_with_ties_to_the_smaller_ids()
    {
        var vocabulary = BpeTrainer.Train([Corpus], 262);
        // Counts: e s = s t = 9 (tie: 'e' < 's'), then es t = 9, then l o = o w = 7 (tie: 'l' < 'o'),
        // then lo w = 7, then Ġ n ties with Ġ low, n e, e w, w est at 6 (Ġ is byte 32, n < low's id).
        Assert.Equal(["e s", "es t", "l o", "lo w", "Ġ n"], vocabulary.Merges.Select(m => Spell(vocabulary, m)));
        Assert.Equal(262, vocabulary.Count);
        Assert.Equal(261, vocabulary.Specials[SpecialTokens.EndOfTextText]);
        Assert.Equal("est", System.Text.Encoding.UTF8.GetString(vocabulary.TokenBytes[257]));
    }

    [Fact]
    public void Training_is_deterministic_and_the_same_from_a_file_read_in_chunks()
    {
        var corpus = SyntheticEnglish.Generate(30_000, seed: 3);
        var a = BpeTrainer.Train([corpus], 400);
        var b = BpeTrainer.Train([corpus], 400);
        Assert.Equal(a.Merges, b.Merges);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, corpus);
            var c = BpeTrainer.Train(TextChunks.Read(path, chunkChars: 1000), 400);
            Assert.Equal(a.Merges, c.Merges);
            Assert.Equal(a.TokenBytes, c.TokenBytes);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Saved_files_load_back_to_the_same_encodings()
    {
        var corpus = SyntheticEnglish.Generate(50_000, seed: 5) + "<|endoftext|>Ünïcödé 日本語 😀😀 it's 12345";
        var vocabulary = BpeTrainer.Train([corpus], 500);
        var trained = new BpeTokenizer(vocabulary, "trained");
        var dir = Path.Combine(Path.GetTempPath(), "stlm-bpe-" + Guid.NewGuid().ToString("N"));
        try
        {
            BpeFiles.Save(vocabulary, dir);
            var loaded = TokenizerSpec.Load("bpe:" + dir);
            Assert.Equal(500, loaded.VocabSize);
            Assert.Equal(499, loaded.EndOfText);
            foreach (var text in new[] { corpus, "The dog's ball, 42 times!\n\n  x ", "<|endoftext|> a<|endoftext|>b" })
            {
                Assert.Equal(trained.Encode(text), loaded.Encode(text));
                Assert.Equal(trained.Encode(text, true), loaded.Encode(text, true));
            }
            // Frequent words of the corpus become single tokens.
            Assert.Single(loaded.Encode(" the"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_end_of_text_separator_is_not_learned_from()
    {
        var vocabulary = BpeTrainer.Train([string.Concat(Enumerable.Repeat("ab<|endoftext|>", 50))], 300);
        Assert.Equal(["a b"], vocabulary.Merges.Select(m => Spell(vocabulary, m)));
        Assert.Equal(258, vocabulary.Count); // runs out of pairs: 256 bytes + "ab" + end-of-text
    }

    [Fact]
    public void Chunked_reading_gives_the_same_pieces_as_the_whole_file()
    {
        var text = SyntheticEnglish.Generate(20_000, seed: 9) + "   \n\n  tail  ";
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);
            var chunks = TextChunks.Read(path, chunkChars: 777).ToList();
            Assert.True(chunks.Count > 20);
            Assert.Equal(text, string.Concat(chunks));
            Assert.Equal(PreTokenizer.Pieces(text), chunks.SelectMany(PreTokenizer.Pieces));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Encoding_a_file_chunk_by_chunk_gives_the_ids_of_the_whole_text()
    {
        var text = string.Join("<|endoftext|>\n", Enumerable.Range(0, 30).Select(i => SyntheticEnglish.Generate(700, seed: i) + "  \t"));
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);
            var gpt2 = Gpt2Fixture.Tokenizer;
            var chunked = TextChunks.Read(path, chunkChars: 500).SelectMany(chunk => gpt2.Encode(chunk, allowSpecialTokens: true));
            Assert.Equal(gpt2.Encode(text, allowSpecialTokens: true), chunked);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_vocabulary_smaller_than_the_bytes_is_refused_in_one_line()
    {
        var e = Assert.Throws<StlmException>(() => BpeTrainer.Train(["abc"], 100));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("257", e.Message);
    }
}
