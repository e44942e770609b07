namespace Stlm.Model.Tokenizers;

/// <summary>Spellings of special tokens and the splitting of text around them.</summary>
public static class SpecialTokens
{
    /// <summary>GPT-2's document separator, also TinyStories' story separator.</summary>
    public const string EndOfTextText = "<|endoftext|>";

    /// <summary>
    /// Splits the text at every occurrence of a special spelling (leftmost first, the longest
    /// spelling on a tie), encodes the stretches between them as plain text and puts the special
    /// ids in their places, as tiktoken does with allowed_special.
    /// </summary>
    public static int[] EncodeWithSpecials(string text, IReadOnlyDictionary<string, int> specials, Func<string, int[]> encodePlain)
    {
        if (specials.Count == 0)
            return encodePlain(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var start = 0;
        while (start <= text.Length)
        {
            var (at, spelling) = NextSpecial(text, start, specials);
            var end = at < 0 ? text.Length : at;
            if (end > start)
                ids.AddRange(encodePlain(text[start..end]));
            if (at < 0)
                break;
            ids.Add(specials[spelling!]);
            start = at + spelling!.Length;
        }
        return ids.ToArray();
    }

    static (int At, string? Spelling) NextSpecial(string text, int start, IReadOnlyDictionary<string, int> specials)
    {
        var best = (At: -1, Spelling: (string?)null);
        foreach (var spelling in specials.Keys)
        {
            var at = text.IndexOf(spelling, start, StringComparison.Ordinal);
            if (at < 0) continue;
            if (best.At < 0 || at < best.At || (at == best.At && spelling.Length > best.Spelling!.Length))
                best = (at, spelling);
        }
        return best;
    }
}
