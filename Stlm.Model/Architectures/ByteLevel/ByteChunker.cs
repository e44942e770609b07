using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Architectures;

/// <summary>
/// Cuts UTF-8 text into the byte-pooling model's chunks at the boundaries of a BPE tokenizer:
/// the tokenizer only says where tokens end (<see cref="ITokenizer.TokenByteLengths"/>); its ids
/// are never embedded. A token longer than max-token-bytes becomes several chunks, so no byte is
/// ever dropped and the chunks always concatenate back to the text.
/// </summary>
public static class ByteChunker
{
    /// <summary>Chunks of <paramref name="utf8"/> whose lengths follow <paramref name="tokenByteLengths"/>.</summary>
    public static List<byte[]> Chunk(ReadOnlySpan<byte> utf8, ReadOnlySpan<int> tokenByteLengths, int maxTokenBytes)
    {
        if (maxTokenBytes <= 0) throw new StlmException($"byte-pooling: max-token-bytes must be positive, got {maxTokenBytes}");
        var chunks = new List<byte[]>(tokenByteLengths.Length);
        var offset = 0;
        foreach (var length in tokenByteLengths)
        {
            if (length <= 0 || offset + length > utf8.Length)
                throw new ArgumentException($"token byte lengths do not cover the text: a length {length} at byte {offset} of {utf8.Length}");
            for (var start = 0; start < length; start += maxTokenBytes)
                chunks.Add(utf8.Slice(offset + start, Math.Min(maxTokenBytes, length - start)).ToArray());
            offset += length;
        }
        if (offset != utf8.Length)
            throw new ArgumentException($"token byte lengths add up to {offset} bytes but the text has {utf8.Length}");
        return chunks;
    }

    /// <summary>Chunks of a text at the boundaries <paramref name="boundaries"/> finds in it.</summary>
    public static List<byte[]> Chunk(string text, ITokenizer boundaries, int maxTokenBytes) =>
        Chunk(boundaries.Encode(text), boundaries, maxTokenBytes);

    /// <summary>Chunks of already tokenised ids (e.g. a window read from BPE token shards).</summary>
    public static List<byte[]> Chunk(ReadOnlySpan<int> ids, ITokenizer boundaries, int maxTokenBytes) =>
        Chunk(boundaries.DecodeBytes(ids), boundaries.TokenByteLengths(ids), maxTokenBytes);

    /// <summary>The text back from its chunks (the inverse of <see cref="Chunk(string, ITokenizer, int)"/>).</summary>
    public static string Join(IEnumerable<byte[]> chunks) => Encoding.UTF8.GetString(chunks.SelectMany(c => c).ToArray());
}
