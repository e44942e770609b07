namespace Stlm.Model.Data;

/// <summary>
/// Where a long text may be cut into pieces that tokenise independently. Byte tokenizers don't
/// care where a cut is; GPT-2-style pre-tokenisation (and cl100k's) never joins the two sides of
///   • a line break between two non-space characters, "x\n|y": "\n" is a chunk of its own, and
///   • a single space between a non-space and a letter, "x| y": " y…" starts a new chunk,
/// so the ids of the pieces equal the ids of the whole. Line breaks are preferred, so pieces
/// usually end at the end of a line; word boundaries rescue texts with very long lines.
/// </summary>
public static class SafeCut
{
    /// <summary>Pieces are about this long: cut at the last safe point once this much text is waiting.</summary>
    public const int PieceChars = 1 << 16;

    /// <summary>The index of the last safe cut in <paramref name="text"/> (the start of the second piece), or -1.</summary>
    public static int Last(ReadOnlySpan<char> text)
    {
        for (var i = text.Length - 1; i >= 2; i--)
            if (text[i - 1] == '\n' && !char.IsWhiteSpace(text[i - 2]) && !char.IsWhiteSpace(text[i]))
                return i;
        for (var i = text.Length - 2; i >= 1; i--)
            if (text[i] == ' ' && !char.IsWhiteSpace(text[i - 1]) && char.IsLetter(text[i + 1]))
                return i;
        return -1;
    }
}
