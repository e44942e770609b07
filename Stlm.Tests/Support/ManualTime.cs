namespace Stlm.Tests.Support;

/// <summary>A clock the test moves by hand.</summary>
sealed class ManualTime : TimeProvider
{
    long ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref ticks);
    public void Advance(TimeSpan by) => Interlocked.Add(ref ticks, by.Ticks);
}
