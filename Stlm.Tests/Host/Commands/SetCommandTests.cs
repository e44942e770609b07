using System.Text.RegularExpressions;
using static Stlm.Tests.Host.Commands.RunCommandRig;

namespace Stlm.Tests.Host.Commands;

public sealed partial class SetCommandTests : IDisposable
{
    readonly RunCommandRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Set_lr_on_a_training_run_is_journaled_and_trains_every_step_from_then_on()
    {
        using var training = _rig.StartTraining("r-set", 100_000); // paused long before its end
        await _rig.WaitForStepAsync("r-set", 3, training);

        var set = Assert.Single(Ok(_rig.Stlm("set", "r-set", "lr=1e-4")));
        Assert.Matches(SetLine(), set);
        var from = long.Parse(SetLine().Match(set).Groups[1].Value);
        Ok(_rig.Stlm("pause", "r-set"));
        Ok(await training.WaitAsync(Patience));

        var run = await _rig.LoadAsync("r-set");
        var o = Assert.Single(run.Overrides);
        Assert.Equal(("lr", "1e-4", from), (o.What, o.Value, o.FromStep));
        Assert.True(run.Step >= from, $"paused at {run.Step}, before the override's step {from}");
        var steps = await _rig.StepsAsync("r-set");
        Assert.Equal(Enumerable.Range(1, (int)run.Step).Select(s => (long)s), steps.Select(s => s.Step));
        Assert.All(steps.Where(s => s.Step >= from), s => Assert.Equal(1e-4, s.Lr));
        Assert.All(steps.Where(s => s.Step < from), s => Assert.NotEqual(1e-4, s.Lr));
    }

    [GeneratedRegex(@"^r-set: lr=1e-4 from step (\d+)$")]
    private static partial Regex SetLine();
}
