using System.Text;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// One id per UTF-8 byte. Layout: ids 0–255 are the byte values themselves; with specials
/// (the default) id 256 is end-of-text ("&lt;|endoftext|&gt;") and id 257 is padding, which
/// decodes to no bytes. Without specials the vocabulary is exactly the 256 bytes.
/// </summary>
public sealed class ByteTokenizer : ITokenizer
{
    public const int EndOfTextId = 256;
    public const int PadId = 257;
    static readonly byte[] EndOfTextBytes = Encoding.UTF8.GetBytes(Tokenizers.SpecialTokens.EndOfTextText);

    public ByteTokenizer(bool withSpecials = true) => WithSpecials = withSpecials;

    public bool WithSpecials { get; }
    public string Name => WithSpecials ? "bytes" : "bytes:raw";
    public int VocabSize => WithSpecials ? 258 : 256;
    public int? EndOfText => WithSpecials ? EndOfTextId : null;
    public int? Pad => WithSpecials ? PadId : null;

    public IReadOnlyDictionary<string, int> SpecialTokens => WithSpecials ? WithEndOfText : NoSpecials;
    static readonly Dictionary<string, int> WithEndOfText = new() { [Tokenizers.SpecialTokens.EndOfTextText] = EndOfTextId };
    static readonly Dictionary<string, int> NoSpecials = [];

    public int[] Encode(string text, bool allowSpecialTokens) =>
        allowSpecialTokens ? Tokenizers.SpecialTokens.EncodeWithSpecials(text, SpecialTokens, Encode) : Encode(text);

    public string Decode(ReadOnlySpan<int> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    public int[] Encode(string text)
    {
        var ids = new int[Encoding.UTF8.GetByteCount(text)];
        var bytes = ids.Length <= 4096 ? stackalloc byte[ids.Length] : new byte[ids.Length];
        Encoding.UTF8.GetBytes(text, bytes);
        for (var i = 0; i < bytes.Length; i++)
            ids[i] = bytes[i];
        return ids;
    }

    public byte[] DecodeBytes(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length);
        foreach (var id in ids)
        {
            if (id is >= 0 and < 256) bytes.Add((byte)id);
            else if (WithSpecials && id == EndOfTextId) bytes.AddRange(EndOfTextBytes);
            else if (WithSpecials && id == PadId) { }
            else throw new ArgumentOutOfRangeException(nameof(ids), id, $"id {id} is outside the {Name} vocabulary of {VocabSize}");
        }
        return bytes.ToArray();
    }

    public int[] TokenByteLengths(ReadOnlySpan<int> ids)
    {
        var lengths = new int[ids.Length];
        for (var i = 0; i < ids.Length; i++)
            lengths[i] = ids[i] switch { < 256 => 1, EndOfTextId => EndOfTextBytes.Length, _ => 0 };
        return lengths;
    }
}
