using System.Text;

namespace Stlm.Model.Data;

/// <summary>
/// TinyStories-style text: documents separated by <c>&lt;|endoftext|&gt;</c>, each trimmed of
/// the white space around it; empty documents are skipped. A document longer than
/// <see cref="LongDocumentChars"/> is streamed in safe pieces like plain text.
/// </summary>
public static class TinyStoriesReader
{
    public const string Separator = "<|endoftext|>";
    public const int LongDocumentChars = SafeCut.PieceChars * 16;

    public static IEnumerable<TextPiece> Read(TextReader reader)
    {
        var pending = new StringBuilder();
        var block = new char[SafeCut.PieceChars];
        var documentStarted = false; // a piece of the current document was already yielded
        int read;
        while ((read = reader.Read(block, 0, block.Length)) > 0)
        {
            var searchFrom = Math.Max(0, pending.Length - Separator.Length + 1);
            pending.Append(block, 0, read);
            int at;
            while ((at = IndexOf(pending, Separator, searchFrom)) >= 0)
            {
                var text = Trim(pending.ToString(0, at), trimStart: !documentStarted);
                if (text.Length > 0 || documentStarted)
                    yield return new TextPiece(text, EndsDocument: true);
                pending.Remove(0, at + Separator.Length);
                documentStarted = false;
                searchFrom = 0;
            }
            if (pending.Length > LongDocumentChars && SafeCut.Last(pending) is var cut and > 0)
            {
                var text = Trim(pending.ToString(0, cut), trimStart: !documentStarted, trimEnd: false);
                pending.Remove(0, cut);
                if (text.Length == 0) continue;
                yield return new TextPiece(text, EndsDocument: false);
                documentStarted = true;
            }
        }
        var last = Trim(pending.ToString(), trimStart: !documentStarted);
        if (last.Length > 0 || documentStarted)
            yield return new TextPiece(last, EndsDocument: true);
    }

    static string Trim(string text, bool trimStart, bool trimEnd = true) =>
        (trimStart, trimEnd) switch
        {
            (true, true) => text.Trim(),
            (true, false) => text.TrimStart(),
            (false, true) => text.TrimEnd(),
            _ => text,
        };

    static int IndexOf(StringBuilder text, string value, int from)
    {
        for (var i = from; i <= text.Length - value.Length; i++)
        {
            var j = 0;
            while (j < value.Length && text[i + j] == value[j]) j++;
            if (j == value.Length) return i;
        }
        return -1;
    }
}
