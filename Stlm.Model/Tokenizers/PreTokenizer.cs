using System.Globalization;
using System.Text;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// GPT-2's pre-tokenisation, the regex
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>,
/// as a hand-written scanner (a .NET Regex is several times slower). Whitespace is Unicode's
/// White_Space property (char.IsWhiteSpace), as in Python's regex module that GPT-2 used; the
/// alternatives are tried in the regex's order, so a piece's end depends only on the text from
/// its start.
/// </summary>
public static class PreTokenizer
{
    enum Kind : byte { Other, Letter, Number, Space }

    static readonly Kind[] AsciiKinds = BuildAsciiKinds();

    /// <summary>Calls <paramref name="onPiece"/> with (start, length) of every piece in order.</summary>
    public static void Split<TState>(ReadOnlySpan<char> text, ref TState state, PieceAction<TState> onPiece)
    {
        var i = 0;
        while (i < text.Length)
        {
            var end = PieceEnd(text, i);
            onPiece(ref state, i, end - i);
            i = end;
        }
    }

    public delegate void PieceAction<TState>(ref TState state, int start, int length);

    /// <summary>The pieces as strings; for tests and tools, not the hot path.</summary>
    public static List<string> Pieces(string text)
    {
        var pieces = new List<string>();
        for (var i = 0; i < text.Length;)
        {
            var end = PieceEnd(text, i);
            pieces.Add(text[i..end]);
            i = end;
        }
        return pieces;
    }

    /// <summary>The index just past the piece that starts at <paramref name="i"/>.</summary>
    public static int PieceEnd(ReadOnlySpan<char> s, int i)
    {
        var c = s[i];
        if (c == '\'' && ContractionLength(s, i + 1) is var n and > 0)
            return i + 1 + n;

        var kind = KindAt(s, i, out var width);
        if (c == ' ' && i + 1 < s.Length)
        {
            var nextKind = KindAt(s, i + 1, out var nextWidth);
            if (nextKind != Kind.Space)
                return RunEnd(s, i + 1 + nextWidth, nextKind);
        }
        if (kind != Kind.Space)
            return RunEnd(s, i + width, kind);

        // \s+(?!\S) takes the whole whitespace run when it ends the text, else all but its last
        // character (which then leads the next piece); a lone whitespace char falls to \s+.
        var end = i + width;
        var last = i;
        while (end < s.Length && KindAt(s, end, out var w) == Kind.Space)
        {
            last = end;
            end += w;
        }
        if (end == s.Length || last == i)
            return end;
        return last;
    }

    /// <summary>Extends a run of one kind (letters, numbers or "other") as far as it goes.</summary>
    static int RunEnd(ReadOnlySpan<char> s, int i, Kind kind)
    {
        while (i < s.Length && KindAt(s, i, out var w) == kind)
            i += w;
        return i;
    }

    /// <summary>Length of s|t|re|ve|m|ll|d at <paramref name="i"/> (case-sensitive, as in GPT-2), else 0.</summary>
    static int ContractionLength(ReadOnlySpan<char> s, int i)
    {
        if (i >= s.Length) return 0;
        var a = s[i];
        if (a is 's' or 't' or 'm' or 'd') return 1;
        if (i + 1 >= s.Length) return 0;
        var b = s[i + 1];
        return (a, b) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? 2 : 0;
    }

    static Kind KindAt(ReadOnlySpan<char> s, int i, out int width)
    {
        var c = s[i];
        width = 1;
        if (c < 128)
            return AsciiKinds[c];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return KindOf(Rune.GetUnicodeCategory(new Rune(c, s[i + 1])));
        }
        if (char.IsWhiteSpace(c))
            return Kind.Space;
        return KindOf(CharUnicodeInfo.GetUnicodeCategory(c));
    }

    static Kind KindOf(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
        _ => Kind.Other,
    };

    static Kind[] BuildAsciiKinds()
    {
        var kinds = new Kind[128];
        for (var c = 0; c < 128; c++)
            kinds[c] = char.IsWhiteSpace((char)c) ? Kind.Space : KindOf(CharUnicodeInfo.GetUnicodeCategory((char)c));
        return kinds;
    }
}
