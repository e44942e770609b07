using System.Text;

namespace Stlm.Tests.Model.Tokenizers;

/// <summary>Seeded random strings of valid Unicode: ASCII, whitespace of all kinds, control chars,
/// accents, combining marks, CJK, right-to-left scripts, astral letters and emoji (surrogate pairs),
/// zero-width joiners and contraction fragments.</summary>
public static class RandomUnicode
{
    static readonly (int From, int To)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x00, 0x1F), (0x7F, 0x9F), (0xA0, 0x24F), (0x300, 0x36F),
        (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F), (0x2000, 0x206F),
        (0x3000, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFE00, 0xFE0F), (0xFF00, 0xFFEF),
        (0x1D400, 0x1D7FF), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0xE0000, 0xE007F),
    ];
    static readonly string[] Fragments = [" ", "  ", "\n", "\r\n", "\t", "'s", "'ll", "'", "\u200D", "<|endoftext|>", "0", "123"];

    public static string Next(Random random, int maxLength)
    {
        var text = new StringBuilder();
        var length = random.Next(0, maxLength + 1);
        while (text.Length < length)
        {
            if (random.Next(6) == 0)
            {
                text.Append(Fragments[random.Next(Fragments.Length)]);
                continue;
            }
            var (from, to) = Ranges[random.Next(Ranges.Length)];
            var codePoint = random.Next(from, to + 1);
            if (codePoint is >= 0xD800 and <= 0xDFFF) continue;
            text.Append(char.ConvertFromUtf32(codePoint));
        }
        return text.ToString();
    }
}
