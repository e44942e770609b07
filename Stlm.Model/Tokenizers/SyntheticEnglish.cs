using System.Text;

namespace Stlm.Model.Tokenizers;

/// <summary>
/// Generates English-like prose for tokenizer benchmarks without shipping a corpus: common words
/// drawn with Zipf-like frequencies, a long tail of made-up words from syllables (so a piece
/// cache does not see only repeats), names, numbers, quotes, contractions, punctuation and
/// paragraphs. A pure function of the seed.
/// </summary>
public static class SyntheticEnglish
{
    static readonly string[] Common =
    ("the of and to a in is it you that he was for on are with as I his they be at one have this from or had by " +
     "not word but what some we can out other were all there when up use your how said an each she which do their " +
     "time if will way about many then them write would like so these her long make thing see him two has look more " +
     "day could go come did number sound no most people my over know water than call first who may down side been now " +
     "find any new work part take get place made live where after back little only round man year came show every good " +
     "me give our under name very through just form sentence great think say help low line differ turn cause much mean " +
     "before move right boy old too same tell does set three want air well also play small end put home read hand port " +
     "large spell add even land here must big high such follow act why ask men change went light kind off need house " +
     "picture try us again animal point mother world near build self earth father head stand own page should country " +
     "found answer school grow study still learn plant cover food sun four between state keep eye never last let thought " +
     "city tree cross farm hard start might story saw far sea draw left late run while press close night real life few north").Split(' ');

    static readonly string[] Syllables = "ka lo mi ne ra to su vi de ba an er in on th st ch sh qu ly ing ed al ous ter ble ment".Split(' ');
    static readonly string[] Names = "Lily Tom Sara Ben Mia Max Anna Leo Zoe Sam".Split(' ');
    static readonly string[] Contractions = "don't can't it's I'm you're we've they'll she'd isn't won't".Split(' ');

    public static string Generate(int approximateBytes, int seed = 1)
    {
        var random = new Random(seed);
        var text = new StringBuilder(approximateBytes + 256);
        while (text.Length < approximateBytes)
        {
            var sentences = random.Next(2, 7);
            for (var s = 0; s < sentences; s++)
                AppendSentence(text, random);
            text.Append(random.Next(8) == 0 ? "\n\n" : "\n");
        }
        return text.ToString();
    }

    static void AppendSentence(StringBuilder text, Random random)
    {
        var words = random.Next(4, 18);
        var quoted = random.Next(6) == 0;
        if (quoted) text.Append('"');
        for (var w = 0; w < words; w++)
        {
            if (w > 0) text.Append(' ');
            var word = NextWord(random);
            text.Append(w == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            if (w < words - 1 && random.Next(10) == 0) text.Append(',');
        }
        text.Append(random.Next(10) switch { 0 => '?', 1 => '!', _ => '.' });
        if (quoted) text.Append('"');
        text.Append(' ');
    }

    static string NextWord(Random random)
    {
        var roll = random.Next(100);
        if (roll < 80)
        {
            // Zipf-like: index ~ n^u for uniform u favours the first words strongly.
            var index = (int)Math.Pow(Common.Length, random.NextDouble()) - 1;
            return Common[index];
        }
        if (roll < 86) return Names[random.Next(Names.Length)];
        if (roll < 90) return Contractions[random.Next(Contractions.Length)];
        if (roll < 93) return random.Next(2) == 0 ? random.Next(1, 100).ToString() : random.Next(1000, 100000).ToString();
        var made = new StringBuilder();
        for (var s = random.Next(2, 5); s > 0; s--)
            made.Append(Syllables[random.Next(Syllables.Length)]);
        return made.ToString();
    }
}
