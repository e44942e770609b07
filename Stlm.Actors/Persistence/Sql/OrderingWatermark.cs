namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// The highest ordering up to which every event is known to be visible (Akka's
/// JournalSequenceActor). PostgreSQL assigns ordering values when a row is inserted but shows
/// the row only at commit, so ordering 7 can appear before ordering 6. A live reader must not
/// move past 6 while its transaction may still commit; a value missing for MaxGapWait (or
/// missing before an event that is itself old) belonged to a rolled-back or purged write and
/// is passed.
/// </summary>
public sealed class OrderingWatermark(long start, TimeSpan maxGapWait, TimeSpan clockSkewMargin, TimeProvider? clock = null)
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // Keyed by the ordering just after the gap: it stays the same while the gap fills from below.
    readonly Dictionary<long, DateTimeOffset> _gapFirstSeen = [];

    public long Safe { get; private set; } = start;

    /// <summary>Takes visible orderings after <see cref="Safe"/> (ascending) and moves the watermark.</summary>
    public void Observe(IReadOnlyList<(long Ordering, DateTime Created)> visible)
    {
        var now = _clock.GetUtcNow();
        var blocked = false;
        var previous = Safe;
        foreach (var (ordering, created) in visible)
        {
            if (ordering <= previous) continue;
            var gapBefore = ordering != previous + 1;
            previous = ordering;
            if (gapBefore)
            {
                // Note when the gap was first seen even behind a younger gap, so a batch of old
                // gaps expires together rather than one wait after another.
                if (!_gapFirstSeen.TryGetValue(ordering, out var firstSeen))
                    _gapFirstSeen[ordering] = firstSeen = now;
                var old = now - new DateTimeOffset(created, TimeSpan.Zero) > maxGapWait + clockSkewMargin;
                if (now - firstSeen < maxGapWait && !old) blocked = true;
            }
            if (!blocked) Safe = ordering;
        }
        foreach (var key in _gapFirstSeen.Keys.Where(k => k <= Safe).ToList())
            _gapFirstSeen.Remove(key);
    }
}
