using System.Text;
using System.Text.RegularExpressions;
using Stlm.Model.Data;

namespace Stlm.Tests.Model.Data;

/// <summary>
/// Checks SafeCut's promise against GPT-2's published pre-tokenisation pattern (BPE merges never
/// cross its chunks): chunking the pieces one by one gives the chunks of the whole text.
/// </summary>
public class SafeCutTests
{
    static readonly Regex Gpt2Chunks = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.Compiled);

    static string[] Chunks(string text) => Gpt2Chunks.Matches(text).Select(m => m.Value).ToArray();

    static string RandomText(int seed, int length)
    {
        var random = new Random(seed);
        string[] atoms = ["the", "Cat", "é", "日本", "42", "7", "'s", "'ll", ",", ".", "!?", "—", " ", " ", " ", "  ", "\n", "\n", "\n\n", " \n", "\t", "\r\n", "(", ")"];
        var sb = new StringBuilder();
        while (sb.Length < length) sb.Append(atoms[random.Next(atoms.Length)]);
        return sb.ToString();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Cutting_at_every_safe_point_keeps_GPT2_pre_tokenisation(int seed)
    {
        var text = RandomText(seed, 20_000);
        var pieces = new List<string>();
        var rest = text;
        // Cut as often as possible (not only at the last safe point) to test every kind of cut.
        while (rest.Length > 0)
        {
            var window = 40;
            var cut = -1;
            while (cut <= 0 && window < rest.Length) cut = SafeCut.Last(rest.AsSpan(0, Math.Min(rest.Length, window *= 2)));
            if (cut <= 0) { pieces.Add(rest); break; }
            pieces.Add(rest[..cut]);
            rest = rest[cut..];
        }
        Assert.True(pieces.Count > 100);
        Assert.Equal(Chunks(text), pieces.SelectMany(Chunks));
    }

    [Fact]
    public void Plain_text_pieces_keep_GPT2_pre_tokenisation()
    {
        var text = RandomText(9, 400_000);
        var pieces = PlainTextReader.Read(new StringReader(text)).Select(p => p.Text).ToList();
        Assert.True(pieces.Count > 3);
        Assert.Equal(Chunks(text), pieces.SelectMany(Chunks));
    }
}
