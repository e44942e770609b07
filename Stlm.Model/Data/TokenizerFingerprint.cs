using System.Buffers.Binary;
using System.Security.Cryptography;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Data;

/// <summary>
/// A hash of how a tokenizer encodes a fixed probe text plus the start of the corpus. Two
/// tokenizers with the same name but other merges (a retrained BPE, another vocab file)
/// almost surely differ here, so shards made by one are never reused for the other.
/// </summary>
public static class TokenizerFingerprint
{
    const string Probe = "Hello, world! It's 2024: naïve café, 日本語, emoji 🙂, tabs\tand\nnew lines; numbers 3.14159 and 1,000,000. \"Quotes\" (brackets) [x] {y} <|endoftext|> the end.";

    public static string Of(ITokenizer tokenizer, string? corpusPath)
    {
        var text = Probe;
        if (corpusPath is not null)
        {
            using var reader = new StreamReader(corpusPath);
            var start = new char[1 << 16];
            text += new string(start, 0, reader.ReadBlock(start, 0, start.Length));
        }
        var ids = tokenizer.Encode(text);
        var bytes = new byte[ids.Length * 4];
        for (var i = 0; i < ids.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), ids[i]);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
