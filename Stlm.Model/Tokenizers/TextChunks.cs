using System.Text;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// Reads a big text file in chunks cut where GPT-2's pre-tokenisation would cut anyway: just
/// before a whitespace character that follows a non-whitespace one. No piece crosses such a
/// point and the pieces after it depend only on the text after it, so pre-tokenising chunk by
/// chunk gives the same pieces — and so the same BPE ids — as the whole file at once (a chunk
/// with no such point, over <c>chunkChars</c> of unbroken text, is cut at its end). Special
/// spellings like "&lt;|endoftext|&gt;" hold no whitespace, so they are never cut either.
/// </summary>
public static class TextChunks
{
    public static IEnumerable<string> Read(string path, int chunkChars = 1 << 20, Action<long, long>? onBytesRead = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[chunkChars];
        var filled = 0;
        while (true)
        {
            var read = reader.ReadBlock(buffer, filled, buffer.Length - filled);
            filled += read;
            onBytesRead?.Invoke(stream.Position, stream.Length);
            if (filled == 0) yield break;
            var atEnd = read == 0 || filled < buffer.Length;
            var cut = atEnd ? filled : SafeCut(buffer.AsSpan(0, filled));
            yield return new string(buffer, 0, cut);
            buffer.AsSpan(cut, filled - cut).CopyTo(buffer);
            filled -= cut;
            if (atEnd && filled == 0) yield break;
        }
    }

    static int SafeCut(ReadOnlySpan<char> text)
    {
        for (var p = text.Length - 1; p > 0; p--)
            if (char.IsWhiteSpace(text[p]) && !char.IsWhiteSpace(text[p - 1]))
                return p;
        return char.IsHighSurrogate(text[^1]) ? text.Length - 1 : text.Length;
    }
}
