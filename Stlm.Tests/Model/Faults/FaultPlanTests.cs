using Stlm.Model.Faults;

namespace Stlm.Tests.Model.Faults;

public class FaultPlanTests
{
    [Fact]
    public void An_unset_fault_is_no_plan()
    {
        Assert.Null(FaultPlan.Parse(null));
        Assert.Null(FaultPlan.Parse(" "));
    }

    [Fact]
    public void A_plan_stops_at_the_nth_hit_of_its_point_only()
    {
        var plan = FaultPlan.Parse("journal:before-commit@3")!;

        Assert.Equal(("journal:before-commit", 3), (plan.Point, plan.Occurrence));
        Assert.False(plan.Hit("checkpoint:rename"));
        Assert.Equal([false, false, true, false], Enumerable.Range(0, 4).Select(_ => plan.Hit("journal:before-commit")));
    }

    [Fact]
    public void A_plan_without_a_count_stops_at_the_first_hit()
    {
        var plan = FaultPlan.Parse("checkpoint:optimizer.safetensors")!;

        Assert.True(plan.Hit("checkpoint:optimizer.safetensors"));
        Assert.False(plan.Hit("checkpoint:optimizer.safetensors"));
    }

    [Theory]
    [InlineData("checkpoint:model", "unknown fault point 'checkpoint:model'")]
    [InlineData("journal:before-commit@0", "not a positive count")]
    [InlineData("journal:before-commit@x", "not a positive count")]
    public void A_bad_plan_names_what_is_wrong(string text, string expected) =>
        Assert.Contains(expected, Assert.ThrowsAny<Exception>(() => FaultPlan.Parse(text)).Message);
}
