using System.Text;

namespace Stlm.Model.Data;

/// <summary>
/// Where a long text may be cut into pieces that tokenise independently: just after a line
/// break that sits between two non-space characters ("x\n|y"). Byte tokenizers don't care
/// where a cut is, and GPT-2-style pre-tokenisation ends a chunk at such a lone "\n" and
/// starts a new one at "y" either way, so the ids of the pieces equal the ids of the whole.
/// </summary>
public static class SafeCut
{
    /// <summary>Pieces are about this long: cut at the last safe point once this much text is waiting.</summary>
    public const int PieceChars = 1 << 16;

    /// <summary>The index of the last safe cut in <paramref name="text"/>, or -1 if there is none.</summary>
    public static int Last(StringBuilder text)
    {
        for (var i = text.Length - 1; i >= 2; i--)
            if (text[i - 1] == '\n' && !char.IsWhiteSpace(text[i - 2]) && !char.IsWhiteSpace(text[i]))
                return i;
        return -1;
    }
}
