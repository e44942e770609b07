using Stlm.Actors.Persistence.Sql;

namespace Stlm.Tests.Persistence;

public class OrderingWatermarkTests
{
    sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    static readonly DateTimeOffset T0 = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);
    readonly ManualClock _clock = new(T0);

    OrderingWatermark Watermark(long start = 0) => new(start, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), _clock);

    static (long, DateTime)[] Rows(params long[] orderings) => orderings.Select(o => (o, T0.UtcDateTime)).ToArray();

    [Fact]
    public void Contiguous_orderings_move_the_watermark_to_the_last()
    {
        var w = Watermark();
        w.Observe(Rows(1, 2, 3));
        Assert.Equal(3, w.Safe);
    }

    [Fact]
    public void A_young_gap_holds_the_watermark_before_it()
    {
        var w = Watermark();
        w.Observe(Rows(1, 2, 4, 5));
        Assert.Equal(2, w.Safe);
        _clock.Now = T0.AddSeconds(9);
        w.Observe(Rows(4, 5));
        Assert.Equal(2, w.Safe);
    }

    [Fact]
    public void A_gap_that_fills_lets_the_watermark_through()
    {
        var w = Watermark();
        w.Observe(Rows(1, 3));
        w.Observe(Rows(2, 3));
        Assert.Equal(3, w.Safe);
    }

    [Fact]
    public void A_gap_missing_for_the_whole_wait_is_passed()
    {
        var w = Watermark();
        w.Observe(Rows(1, 3, 4, 7));
        _clock.Now = T0.AddSeconds(10);
        w.Observe(Rows(3, 4, 7));
        Assert.Equal(7, w.Safe);
    }

    [Fact]
    public void Gaps_seen_together_expire_together()
    {
        var w = Watermark();
        w.Observe(Rows(2, 4, 6, 8));
        _clock.Now = T0.AddSeconds(11);
        w.Observe(Rows(2, 4, 6, 8));
        Assert.Equal(8, w.Safe);
    }

    [Fact]
    public void A_gap_before_an_old_event_is_passed_at_once()
    {
        var w = Watermark(10);
        var old = T0.UtcDateTime.AddMinutes(-5);
        w.Observe([(12, old), (13, old), (15, T0.UtcDateTime)]);
        Assert.Equal(13, w.Safe);
    }
}
