using System.Text.RegularExpressions;
using Stlm.Actors.Training.Run;
using static Stlm.Tests.Host.Commands.RunCommandRig;

namespace Stlm.Tests.Host.Commands;

public sealed partial class PauseResumeCommandTests : IDisposable
{
    readonly RunCommandRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_run_paused_from_another_process_and_resumed_journals_the_losses_of_an_uninterrupted_run()
    {
        const int steps = 1000; // enough that two CLI calls land before the end on a fast machine
        using var reference = _rig.StartTraining("r-whole", steps);
        await _rig.WaitForStepAsync("r-whole", 1, reference); // the corpus is ready: the second run reuses it
        using var paused = _rig.StartTraining("r-paused", steps);
        await _rig.WaitForStepAsync("r-paused", 3, paused);

        var busy = OneErrorLine(_rig.Stlm("resume", "r-paused"));
        var pause = _rig.Stlm("pause", "r-paused");

        Assert.Matches(@"^stlm: run r-paused is being trained by pid \d+ on node .* stop it with `stlm pause r-paused` or wait$", busy);
        var line = Assert.Single(Ok(pause));
        var at = PausedLine().Match(line);
        Assert.True(at.Success, line);
        var step = long.Parse(at.Groups[1].Value);
        Assert.InRange(step, 3, steps - 1);
        Assert.Equal(line, Assert.Single(Ok(await paused.WaitAsync(Patience))));
        Assert.Equal(RunStatus.Paused, (await _rig.LoadAsync("r-paused")).Status);

        var resumed = Ok(_rig.Stlm("resume", "r-paused"));
        Ok(await reference.WaitAsync(Patience));

        Assert.StartsWith($"run r-paused trained steps {step + 1}..{steps} of {steps} in ", resumed[0]);
        var (whole, again) = (await _rig.LoadAsync("r-whole"), await _rig.LoadAsync("r-paused"));
        Assert.Equal(RunStatus.Completed, again.Status);
        Assert.Equal(steps, again.Losses.Count);
        Assert.Equal(whole.Losses.Select(BitConverter.DoubleToInt64Bits), again.Losses.Select(BitConverter.DoubleToInt64Bits));
    }

    [GeneratedRegex(@"^r-paused paused at step (\d+) \(checkpoint step-0*\1\); resume with: stlm resume r-paused$")]
    private static partial Regex PausedLine();
}
