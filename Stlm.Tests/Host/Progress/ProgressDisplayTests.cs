using Stlm.Host;
using Stlm.Host.Progress;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Progress;

public class ProgressDisplayTests
{
    static (ProgressDisplay, StringWriter, ManualTime) Plain(long? total, string unit = "tokens", ProgressMode mode = ProgressMode.Plain)
    {
        var output = new StringWriter();
        var time = new ManualTime();
        var display = ProgressDisplay.Start(new ProgressOptions("train", total, unit, mode, TimeSpan.FromSeconds(10)),
            new Terminal(output, canShowLive: false), time);
        return (display, output, time);
    }

    static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Without_a_live_terminal_it_prints_plain_lines_at_the_interval()
    {
        var (display, output, time) = Plain(100_000);
        for (var step = 1; step <= 30; step++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            display.Report(step * 1000);
        }
        display.Dispose();

        var lines = Lines(output);
        // t = 1 s (first report), 11 s, 21 s, then the final line.
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.DoesNotContain("\u001b", l));
        Assert.StartsWith("train  11,000/100,000 tokens (11.0%)  1.00k tokens/s  ETA 1:29", lines[1]);
        Assert.EndsWith("done", lines[3]);
        Assert.Contains("30,000/100,000 tokens (30.0%)", lines[3]);
    }

    [Fact]
    public void A_resumed_count_starts_where_it_was_and_its_rate_counts_only_the_new_work()
    {
        var output = new StringWriter();
        var time = new ManualTime();
        var display = ProgressDisplay.Start(new ProgressOptions("resuming", 500, "steps", ProgressMode.Plain, Initial: 400),
            new Terminal(output, canShowLive: false), time);
        time.Advance(TimeSpan.FromSeconds(10));
        display.Report(420);
        display.Dispose();

        Assert.StartsWith("resuming  420/500 steps (84.0%)  2.00 steps/s  ETA 40s", Lines(output)[0]);
    }

    [Fact]
    public void Auto_mode_falls_back_to_plain_lines_when_the_terminal_cannot_redraw()
    {
        var (display, output, time) = Plain(10, "steps", ProgressMode.Auto);
        Assert.False(display.IsLive);
        time.Advance(TimeSpan.FromSeconds(2));
        display.Report(1);
        display.Dispose();
        Assert.Equal(2, Lines(output).Length);
    }

    [Fact]
    public void Live_fields_appear_on_the_plain_line()
    {
        var (display, output, time) = Plain(25_000, "steps");
        display.Set("loss", 3.21456, "0.000");
        display.Set("lr", 6e-4, "0.0e0");
        display.Set("loss", 3.1, "0.000");
        time.Advance(TimeSpan.FromSeconds(4));
        display.Report(100);
        display.Dispose();
        Assert.EndsWith("loss=3.100 lr=6.0e-4", Lines(output)[0]);
    }

    [Fact]
    public void Without_a_total_it_shows_count_and_rate_but_no_eta()
    {
        var (display, output, time) = Plain(null, "B");
        time.Advance(TimeSpan.FromSeconds(2));
        display.Report(50_000_000);
        display.Dispose();
        var first = Lines(output)[0];
        Assert.Equal("train  50.0 MB  25.0 MB/s  elapsed 2s", first);
    }

    [Fact]
    public void Eta_follows_the_recent_rate_rather_than_the_average()
    {
        var (display, _, time) = Plain(1_000_000);
        for (var i = 1; i <= 20; i++) { time.Advance(TimeSpan.FromSeconds(1)); display.Report(i * 100); }
        var slow = display.Snapshot().Rate!.Value;
        for (var i = 1; i <= 20; i++) { time.Advance(TimeSpan.FromSeconds(1)); display.Report(2000 + i * 10_000); }
        var s = display.Snapshot();
        Assert.Equal(100, slow, 1);
        Assert.Equal(10_000, s.Rate!.Value, 1);
        Assert.Equal(TimeSpan.FromSeconds((1_000_000 - 202_000) / 10_000.0), s.Eta!.Value);
        display.Dispose();
    }

    [Fact]
    public void Live_mode_starts_and_stops_cleanly_and_lines_written_meanwhile_still_print()
    {
        var output = new StringWriter();
        var terminal = new Terminal(output, canShowLive: false);
        using (var display = ProgressDisplay.Start(new ProgressOptions("tokenize", 10, "docs", ProgressMode.Live), terminal))
        {
            Assert.True(display.IsLive);
            display.Report(5);
            terminal.WriteLine("a log line while the bar is live");
            display.Report(10);
        }
        Assert.Contains("a log line while the bar is live", output.ToString());
        terminal.WriteLine("after");
        Assert.EndsWith("after" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void A_second_live_display_on_the_same_console_falls_back_to_plain_lines()
    {
        var output = new StringWriter();
        var terminal = new Terminal(output, canShowLive: false);
        using var first = ProgressDisplay.Start(new ProgressOptions("train", 10, "steps", ProgressMode.Live), terminal);
        using var second = ProgressDisplay.Start(new ProgressOptions("copy", 10, "B", ProgressMode.Live), terminal);
        Assert.True(first.IsLive);
        Assert.False(second.IsLive);
    }

    [Theory]
    [InlineData(42, "42s")]
    [InlineData(187, "3:07")]
    [InlineData(3723, "1:02:03")]
    [InlineData(2 * 86400 + 3 * 3600 + 4 * 60 + 5, "2d 03:04:05")]
    public void Durations_read_compactly(int seconds, string expected) =>
        Assert.Equal(expected, Units.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(15_234, "tokens", "15.2k tokens/s")]
    [InlineData(12_345_678, "B", "12.3 MB/s")]
    [InlineData(3.5, "steps", "3.50 steps/s")]
    [InlineData(999_999, "tokens", "1.00M tokens/s")]
    public void Rates_use_si_prefixes(double perSecond, string unit, string expected) =>
        Assert.Equal(expected, Units.Rate(perSecond, unit));
}
