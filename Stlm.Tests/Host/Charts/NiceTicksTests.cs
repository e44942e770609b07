using Stlm.Host.Charts;

namespace Stlm.Tests.Host.Charts;

public class NiceTicksTests
{
    [Theory]
    [InlineData(0, 1, new[] { 0, 0.2, 0.4, 0.6, 0.8, 1 })]
    [InlineData(2.37, 10.83, new[] { 2.0, 4, 6, 8, 10, 12 })]
    [InlineData(0, 25_000, new[] { 0.0, 5000, 10_000, 15_000, 20_000, 25_000 })]
    [InlineData(-3, 7, new[] { -4.0, -2, 0, 2, 4, 6, 8 })]
    [InlineData(0.0012, 0.0049, new[] { 0.001, 0.002, 0.003, 0.004, 0.005 })]
    public void Linear_ticks_are_nice_numbers_covering_the_range(double min, double max, double[] expected)
    {
        var axis = NiceTicks.Linear(min, max);
        Assert.Equal(expected, axis.Ticks);
        Assert.Equal(expected[0], axis.Min);
        Assert.Equal(expected[^1], axis.Max);
    }

    [Fact]
    public void Labels_have_as_many_decimals_as_the_step_needs()
    {
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], NiceTicks.Linear(0, 1).Labels);
        Assert.Equal(["0", "5k", "10k", "15k", "20k", "25k"], NiceTicks.Linear(0, 25_000).Labels);
        Assert.Equal(["0", "200", "400", "600", "800", "1,000"], NiceTicks.Linear(0, 1000).Labels);
    }

    [Fact]
    public void A_flat_range_is_widened_instead_of_dividing_by_zero()
    {
        var axis = NiceTicks.Linear(3, 3);
        Assert.True(axis.Min < 3 && axis.Max > 3);
        Assert.True(axis.Ticks.Count >= 3);
    }

    [Theory]
    [InlineData(1, 1e6, new[] { 1.0, 10, 100, 1000, 1e4, 1e5, 1e6 })]
    [InlineData(0.5, 60, new[] { 0.5, 1, 2, 5, 10, 20, 50 })]
    [InlineData(2.37, 10.83, new[] { 3.0, 4, 5, 6, 8, 10 })]
    public void Log_ticks_are_powers_of_ten_and_their_nice_multiples_inside_the_range(double min, double max, double[] expected)
    {
        var axis = NiceTicks.Log(min, max);
        Assert.True(axis.Log);
        Assert.Equal(expected, axis.Ticks.Select(t => Math.Round(t, 6)));
        Assert.True(axis.Min <= min && axis.Max >= max);
    }

    [Theory]
    [InlineData(0.75, 1)]
    [InlineData(1.4, 1)]
    [InlineData(2.9, 2)]
    [InlineData(6.9, 5)]
    [InlineData(7.1, 10)]
    [InlineData(420, 500)]
    public void Nice_rounds_to_one_two_or_five_times_a_power_of_ten(double x, double expected) =>
        Assert.Equal(expected, NiceTicks.Nice(x, round: true), 9);
}
