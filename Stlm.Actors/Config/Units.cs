using System.Globalization;
using System.Text.RegularExpressions;

namespace Stlm.Actors.Configuration;

/// <summary>HOCON duration (`10s`, `1.5 hours`) and size (`512K`, `1 MiB`, `2GB`) values.</summary>
internal static partial class Units
{
    [GeneratedRegex(@"^\s*([+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*$")]
    private static partial Regex NumberAndUnit();

    static readonly Dictionary<string, double> NanosPerDurationUnit = BuildDurations();
    static readonly Dictionary<string, double> BytesPerSizeUnit = BuildSizes();

    public static string DurationUnits => "ns, us, ms, s, m, h, d (or nanoseconds … days)";
    public static string SizeUnits => "B, K/KiB, M/MiB, G/GiB, T/TiB (powers of 1024) or kB, MB, GB, TB (powers of 1000)";

    /// <summary>A bare number means milliseconds, as in lightbend's getDuration.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var m = NumberAndUnit().Match(text);
        if (!m.Success) return null;
        var unit = m.Groups[2].Value;
        if (unit.Length == 0) unit = "ms";
        if (!NanosPerDurationUnit.TryGetValue(unit, out var nanos)) return null;
        var value = double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture) * nanos;
        return TimeSpan.FromTicks((long)Math.Round(value / 100.0));
    }

    public static long? ParseBytes(string text)
    {
        var m = NumberAndUnit().Match(text);
        if (!m.Success) return null;
        var unit = m.Groups[2].Value;
        if (!BytesPerSizeUnit.TryGetValue(unit, out var factor)) return null;
        var value = double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture) * factor;
        return value is >= long.MinValue and <= long.MaxValue ? (long)Math.Round(value) : null;
    }

    static Dictionary<string, double> BuildDurations()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(double nanos, params string[] names)
        {
            foreach (var n in names) d[n] = nanos;
        }
        Add(1, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(1e3, "us", "micro", "micros", "microsecond", "microseconds");
        Add(1e6, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(1e9, "s", "second", "seconds");
        Add(60e9, "m", "minute", "minutes");
        Add(3600e9, "h", "hour", "hours");
        Add(86400e9, "d", "day", "days");
        return d;
    }

    static Dictionary<string, double> BuildSizes()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var n in new[] { "", "B", "b", "byte", "bytes" }) d[n] = 1;
        (string Letter, string Si, string Binary)[] prefixes =
            [("K", "kilo", "kibi"), ("M", "mega", "mebi"), ("G", "giga", "gibi"), ("T", "tera", "tebi"), ("P", "peta", "pebi"), ("E", "exa", "exbi")];
        for (var i = 0; i < prefixes.Length; i++)
        {
            var (letter, si, binary) = prefixes[i];
            var power = i + 1;
            var lower = letter.ToLowerInvariant();
            foreach (var n in new[] { letter, lower, letter + "i", letter + "iB", binary + "byte", binary + "bytes" })
                d[n] = Math.Pow(1024, power);
            foreach (var n in new[] { letter + "B", (letter == "K" ? "k" : letter) + "B", si + "byte", si + "bytes" })
                d[n] = Math.Pow(1000, power);
        }
        return d;
    }
}
