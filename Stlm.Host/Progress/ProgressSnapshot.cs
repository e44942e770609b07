using System.Globalization;
using System.Text;

namespace Stlm.Host.Progress;

/// <summary>One moment of a long piece of work, and how it reads as text.</summary>
public sealed record ProgressSnapshot(
    string Description,
    long Completed,
    long? Total,
    string Unit,
    double? Rate,
    TimeSpan Elapsed,
    IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public double? Fraction => Total is > 0 ? Math.Clamp((double)Completed / Total.Value, 0, 1) : null;

    public TimeSpan? Eta => Total is { } total && Rate is > 0 && Completed <= total
        ? TimeSpan.FromSeconds((total - Completed) / Rate.Value)
        : null;

    public string CountText => Unit == "B"
        ? Total is { } bytes ? $"{Units.Bytes(Completed)}/{Units.Bytes(bytes)}" : Units.Bytes(Completed)
        : Total is { } t
            ? $"{Units.Count(Completed)}/{Units.Count(t)}{Units.Suffix(Unit)}"
            : $"{Units.Count(Completed)}{Units.Suffix(Unit)}";

    public string RateText => Rate is { } r ? Units.Rate(r, Unit) : "-";

    public string EtaText => Eta is { } eta ? Units.Duration(eta) : "-";

    public string FieldsText => string.Join(' ', Fields.Select(f => $"{f.Key}={f.Value}"));

    /// <summary>The line printed when the output is not a live terminal.</summary>
    public string ToPlainLine()
    {
        var line = new StringBuilder(Description).Append("  ").Append(CountText);
        if (Fraction is { } f) line.Append(CultureInfo.InvariantCulture, $" ({f * 100:0.0}%)");
        line.Append("  ").Append(RateText);
        if (Total is not null) line.Append("  ETA ").Append(EtaText);
        line.Append("  elapsed ").Append(Units.Duration(Elapsed));
        if (Fields.Count > 0) line.Append("  ").Append(FieldsText);
        return line.ToString();
    }
}

/// <summary>Numbers for people: thousands separators, SI prefixes, compact durations.</summary>
public static class Units
{
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"512 B", "1.50 MB", "12.3 GB" (decimal prefixes, as the rate shows them).</summary>
    public static string Bytes(long n)
    {
        var (scaled, prefix) = Si(n);
        if (prefix.Length == 0) return $"{n} B";
        return scaled.ToString(scaled >= 100 ? "0" : scaled >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + $" {prefix}B";
    }

    public static string Suffix(string unit) => unit.Length == 0 ? "" : " " + unit;

    /// <summary>"15.2k tokens/s", "12.3 MB/s": short units take the prefix, long ones the number.</summary>
    public static string Rate(double perSecond, string unit)
    {
        var (scaled, prefix) = Si(perSecond);
        var number = scaled.ToString(scaled >= 100 ? "0" : scaled >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        if (unit.Length == 0) return $"{number}{prefix}/s";
        return unit.Length <= 2 ? $"{number} {prefix}{unit}/s" : $"{number}{prefix} {unit}/s";
    }

    static (double, string) Si(double v)
    {
        string[] prefixes = ["", "k", "M", "G", "T"];
        var i = 0;
        while (Math.Abs(v) >= 999.5 && i < prefixes.Length - 1) { v /= 1000; i++; }
        return (v, prefixes[i]);
    }

    /// <summary>"42s", "3:07", "1:02:03", "2d 03:04:05".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalSeconds < 60) return $"{(int)t.TotalSeconds}s";
        if (t.TotalHours < 1) return $"{t.Minutes}:{t.Seconds:00}";
        if (t.TotalDays < 1) return $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}";
        return $"{(int)t.TotalDays}d {t.Hours:00}:{t.Minutes:00}:{t.Seconds:00}";
    }
}
