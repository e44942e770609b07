using Stlm.Actors.Configuration;
using static Stlm.Tests.Actors.Configuration.HoconSyntaxTests;

namespace Stlm.Tests.Actors.Configuration;

public class ConfigUnitsTests
{
    [Theory]
    [InlineData("10ns", 0)]
    [InlineData("1500us", 15_000)]
    [InlineData("250 ms", 2_500_000)]
    [InlineData("2s", 20_000_000)]
    [InlineData("1.5 minutes", 900_000_000)]
    [InlineData("1h", 36_000_000_000)]
    [InlineData("2 days", 1_728_000_000_000)]
    [InlineData("3 seconds", 30_000_000)]
    [InlineData("7", 70_000)]
    public void Durations_take_short_and_long_unit_names_and_a_bare_number_is_milliseconds(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), Resolve($"d = {text}").GetDuration("d"));
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("512B", 512)]
    [InlineData("1K", 1024)]
    [InlineData("1 KiB", 1024)]
    [InlineData("1kB", 1000)]
    [InlineData("1KB", 1000)]
    [InlineData("2M", 2 * 1024 * 1024)]
    [InlineData("2 MiB", 2 * 1024 * 1024)]
    [InlineData("2MB", 2_000_000)]
    [InlineData("1.5G", 1610612736)]
    [InlineData("1 gibibyte", 1073741824)]
    [InlineData("3 megabytes", 3_000_000)]
    [InlineData("1T", 1099511627776)]
    public void Sizes_take_binary_and_decimal_units(string text, long bytes)
    {
        Assert.Equal(bytes, Resolve($"s = {text}").GetBytes("s"));
    }

    [Fact]
    public void An_unknown_unit_is_an_error_naming_the_value_and_the_units()
    {
        var e = Assert.Throws<ConfigException>(() => Resolve("x = 1\nd = 5 fortnights").GetDuration("d"));
        Assert.StartsWith("`d` must be a duration such as 10s or 5 minutes", e.Message);
        Assert.Contains("test.conf:2:5", e.Message);
    }
}
