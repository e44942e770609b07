namespace Stlm.Model.Data;

/// <summary>
/// A plain text file as one document, streamed in pieces of about
/// <see cref="SafeCut.PieceChars"/> characters cut by <see cref="SafeCut"/>, so a big file never
/// sits in memory whole and the pieces tokenise to the same ids as the whole text.
/// </summary>
public static class PlainTextReader
{
    public static IEnumerable<TextPiece> Read(TextReader reader)
    {
        var pending = "";
        var block = new char[SafeCut.PieceChars];
        int read;
        while ((read = reader.Read(block, 0, block.Length)) > 0)
        {
            pending = string.Concat(pending, block.AsSpan(0, read));
            if (pending.Length < SafeCut.PieceChars) continue;
            var cut = SafeCut.Last(pending);
            if (cut <= 0) continue;
            yield return new TextPiece(pending[..cut], EndsDocument: false);
            pending = pending[cut..];
        }
        if (pending.Length > 0)
            yield return new TextPiece(pending, EndsDocument: true);
    }
}
