namespace Stlm.Model.Tokenizers;

/// <summary>
/// GPT-2's reversible mapping of the 256 byte values to printable characters, used to spell
/// byte-level tokens in vocab.json / merges.txt: printable Latin-1 bytes ('!'–'~', '¡'–'¬',
/// '®'–'ÿ') stand for themselves and the other 68 bytes, in increasing order, take the
/// characters from U+0100 on (so a space is spelled 'Ġ', a newline 'Ċ').
/// </summary>
public static class ByteLevelAlphabet
{
    static readonly char[] CharOfByte = BuildCharOfByte();
    static readonly short[] ByteOfChar = BuildByteOfChar(); // -1 where a char stands for no byte

    public static char CharFor(byte b) => CharOfByte[b];

    public static string Spell(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = CharOfByte[bytes[i]];
        return new string(chars);
    }

    /// <summary>The bytes a spelled token stands for, or null if a character is outside the alphabet.</summary>
    public static byte[]? Unspell(string spelled)
    {
        var bytes = new byte[spelled.Length];
        for (var i = 0; i < spelled.Length; i++)
        {
            var c = spelled[i];
            if (c >= ByteOfChar.Length || ByteOfChar[c] < 0)
                return null;
            bytes[i] = (byte)ByteOfChar[c];
        }
        return bytes;
    }

    static short[] BuildByteOfChar()
    {
        var map = new short[CharOfByte.Max() + 1];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
            map[CharOfByte[b]] = (short)b;
        return map;
    }

    static char[] BuildCharOfByte()
    {
        static bool StandsForItself(int b) => b is >= '!' and <= '~' or >= '¡' and <= '¬' or >= '®' and <= 'ÿ';
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
            map[b] = StandsForItself(b) ? (char)b : (char)next++;
        return map;
    }
}
