using Stlm.Actors.Training.Run;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// How a journaled step maps onto what the trainer computed: journaled steps count from 1, the
/// schedules from 0 (step k ran with the schedules' values at k - 1), and a journaled override
/// becomes the <see cref="ScheduleOverride"/> the trainer applied.
/// </summary>
public static class ReplaySteps
{
    public static long ScheduleStep(long journaledStep) => journaledStep - 1;

    public static IReadOnlyList<ScheduleOverride> Overrides(IEnumerable<ScheduleOverridden> journaled) =>
        [.. journaled.Select(o => ScheduleOverride.Parse($"{o.What}={o.Value}", ScheduleStep(o.FromStep)))];
}
