using Stlm.Model;
using Stlm.Model.Data;

namespace Stlm.Tests.Model.Data;

public class HeldOutSplitTests
{
    [Theory]
    [InlineData(0.01, 1000, 10)]
    [InlineData(0.1, 40, 4)]
    [InlineData(0.25, 7, 2)]
    [InlineData(0.01, 3, 1)]
    [InlineData(0.0, 100, 0)]
    public void Holds_out_one_plus_floor_of_n_minus_one_times_the_fraction(double fraction, int documents, int expected)
    {
        var split = new HeldOutSplit(fraction);
        Assert.Equal(expected, Enumerable.Range(0, documents).Count(i => split.IsHeldOut(i)));
    }

    [Fact]
    public void Held_out_documents_are_spread_evenly_starting_with_the_first()
    {
        var split = new HeldOutSplit(0.1);
        Assert.Equal([0, 10, 20, 30], Enumerable.Range(0, 40).Where(i => split.IsHeldOut(i)));
    }

    [Fact]
    public void A_fraction_of_one_or_more_is_rejected()
    {
        Assert.Throws<StlmException>(() => new HeldOutSplit(1.0));
        Assert.Throws<StlmException>(() => new HeldOutSplit(-0.1));
    }
}
