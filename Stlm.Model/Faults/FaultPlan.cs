using System.Globalization;

namespace Stlm.Model.Faults;

/// <summary>
/// Which fault point to stop at, and at its how-many-th hit: the parsed value of STLM_FAULT
/// ("POINT" or "POINT@N", e.g. "checkpoint:optimizer.safetensors@2"). <see cref="Hit"/> counts
/// the hits of its point across threads and is true exactly once, at the N-th.
/// </summary>
public sealed class FaultPlan
{
    int _hits;

    public string Point { get; }
    public int Occurrence { get; }

    public FaultPlan(string point, int occurrence = 1)
    {
        if (!FaultPoint.Known.Contains(point))
            throw new FormatException($"unknown fault point '{point}'; use one of {string.Join(", ", FaultPoint.Known)}");
        ArgumentOutOfRangeException.ThrowIfLessThan(occurrence, 1);
        Point = point;
        Occurrence = occurrence;
    }

    /// <summary>The plan a STLM_FAULT value names; null when it is unset or empty.</summary>
    public static FaultPlan? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var value = text.Trim();
        var at = value.LastIndexOf('@');
        if (at < 0) return new FaultPlan(value);
        if (!int.TryParse(value.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            throw new FormatException($"'{value[(at + 1)..]}' after @ is not a positive count");
        return new FaultPlan(value[..at], n);
    }

    /// <summary>Counts a hit of <paramref name="point"/>; true when it is the one to stop at.</summary>
    public bool Hit(string point) =>
        string.Equals(point, Point, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) == Occurrence;

    public override string ToString() => $"{Point}@{Occurrence}";
}
