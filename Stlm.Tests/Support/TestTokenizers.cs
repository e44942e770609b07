using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Tests.Support;

/// <summary>A test-only tokenizer: one id per UTF-8 byte, plus an end-of-text id after them; ids shifted by <c>offset</c>.</summary>
sealed class ByteIdTokenizer(int offset = 0) : ITokenizer
{
    public string Name => offset == 0 ? "test-bytes" : $"test-bytes+{offset}";
    public int VocabSize => offset + 257;
    public int? EndOfText => offset + 256;

    public int[] Encode(string text) => Encoding.UTF8.GetBytes(text).Select(b => b + offset).ToArray();

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
            if (id - offset is >= 0 and < 256 and var b) bytes.Add((byte)b);
        return [.. bytes];
    }
}
