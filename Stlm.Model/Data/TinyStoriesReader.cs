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
        var pending = "";
        var block = new char[SafeCut.PieceChars];
        var documentStarted = false; // a piece of the current document was already yielded
        int read;
        while ((read = reader.Read(block, 0, block.Length)) > 0)
        {
            var searchFrom = Math.Max(0, pending.Length - Separator.Length + 1);
            pending = string.Concat(pending, block.AsSpan(0, read));
            var start = 0;
            int at;
            while ((at = pending.IndexOf(Separator, Math.Max(start, searchFrom), StringComparison.Ordinal)) >= 0)
            {
                var text = Trim(pending[start..at], trimStart: !documentStarted);
                if (text.Length > 0 || documentStarted)
                    yield return new TextPiece(text, EndsDocument: true);
                start = at + Separator.Length;
                documentStarted = false;
            }
            pending = pending[start..];
            if (pending.Length > LongDocumentChars && SafeCut.Last(pending) is var cut and > 0)
            {
                var text = Trim(pending[..cut], trimStart: !documentStarted, trimEnd: false);
                pending = pending[cut..];
                if (text.Length == 0) continue;
                yield return new TextPiece(text, EndsDocument: false);
                documentStarted = true;
            }
        }
        var last = Trim(pending, trimStart: !documentStarted);
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
}
