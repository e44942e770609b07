using System.Globalization;
using Stlm.Actors.Training.Views;

namespace Stlm.Host.Runs;

/// <summary>Plain-text renderings shared by `stlm runs`, `show` and `replay`.</summary>
public static class RunText
{
    public static string Number(double? v) => v is { } x ? x.ToString("0.####", CultureInfo.InvariantCulture) : "-";

    public static string Tokens(long n) => n switch
    {
        >= 1_000_000_000 => (n / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "B",
        >= 1_000_000 => (n / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (n / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => n.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>"512 B", "1.5 KiB", "3.2 MiB", "1.25 GiB": sizes of files and tensors, binary prefixes.</summary>
    public static string Size(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1 << 20 => $"{n / 1024.0:0.#} KiB",
        < 1 << 30 => $"{n / (double)(1 << 20):0.#} MiB",
        _ => $"{n / (double)(1L << 30):0.##} GiB",
    };

    public static string Best(BestEval? b) => b is null ? "-" : $"{b.Task}/{b.Metric} {Number(b.Value)} @{b.Step}";

    public static string Created(RunSummary r) => r.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Columns padded to their widest cell.</summary>
    public static IEnumerable<string> Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count).Select(i => all.Max(r => r[i].Length)).ToArray();
        return all.Select(r => string.Join("  ", r.Select((c, i) => i == r.Count - 1 ? c : c.PadRight(widths[i]))).TrimEnd());
    }
}
