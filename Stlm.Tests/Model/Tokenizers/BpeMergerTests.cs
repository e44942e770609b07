using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Model.Tokenizers;

public class BpeMergerTests
{
    [Fact]
    public void The_heap_and_the_scan_merge_every_piece_the_same_way()
    {
        var vocabulary = Gpt2Fixture.Tokenizer.Vocabulary;
        var random = new Random(4);
        var pieces = new List<byte[]>();
        for (var i = 0; i < 300; i++)
            pieces.Add(Encoding.UTF8.GetBytes(RandomUnicode.Next(random, 300)));
        pieces.Add(Encoding.UTF8.GetBytes(new string(' ', 1000)));
        pieces.Add(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("abc", 200))));
        pieces.Add(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("the", 150))));
        foreach (var piece in pieces.Where(p => p.Length > 1))
            Assert.Equal(BpeMerger.MergeByScan(vocabulary, piece), BpeMerger.MergeByHeap(vocabulary, piece));
    }

    [Fact]
    public void Equal_ranked_pairs_merge_leftmost_first()
    {
        // Bytes plus the single merge (a, a): in "aaa" the pair occurs twice, overlapping; the left
        // one merges first, leaving [aa, a]; "aaaaa" becomes [aa, aa, a] with either algorithm.
        var bytes = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).Append("aa"u8.ToArray()).ToList();
        var vocabulary = new BpeVocabulary(bytes, [('a', 'a')], new Dictionary<string, int>());
        Assert.Equal([256, 'a'], BpeMerger.Merge(vocabulary, "aaa"u8));
        var five = Encoding.UTF8.GetBytes(new string('a', 5));
        Assert.Equal([256, 256, 'a'], BpeMerger.MergeByScan(vocabulary, five));
        Assert.Equal([256, 256, 'a'], BpeMerger.MergeByHeap(vocabulary, five));
    }

    [Fact]
    public void A_long_run_of_spaces_encodes_like_its_pieces_and_round_trips()
    {
        var g = Gpt2Fixture.Tokenizer;
        var text = new string(' ', 5000) + "x";
        var ids = g.Encode(text);
        Assert.Equal(text, g.Decode(ids));
        var pieces = PreTokenizer.Pieces(text);
        Assert.Equal([new string(' ', 4999), " x"], pieces);
        Assert.Equal(g.Encode(" x"), ids[^1..]);
    }
}
