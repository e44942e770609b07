using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.Schedules;

namespace Stlm.Actors.Training.Replay;

/// <summary>
/// How a journaled step maps onto what the trainer computed, by the trainer's own rules: journal
/// steps count from 1 and ran with the schedules' values of step - 1 (<see cref="ScheduleAnnounced.At"/>),
/// and a journaled override is read by <see cref="ScheduleActor.ToOverride"/>.
/// </summary>
public static class ReplaySteps
{
    public static ScheduleValues ValuesAt(ScheduleSet schedules, long journalStep) =>
        new ScheduleAnnounced(schedules, 0).At(journalStep);

    public static IReadOnlyList<ScheduleOverride> Overrides(IEnumerable<ScheduleOverridden> journaled) =>
        [.. journaled.Select(ScheduleActor.ToOverride)];
}
