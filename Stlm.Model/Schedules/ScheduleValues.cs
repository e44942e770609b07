namespace Stlm.Model.Schedules;

/// <summary>Everything the schedules say about one optimizer step: what the scheduler actors announce to the trainer.</summary>
public sealed record ScheduleValues(long Step, double LearningRate, double Dropout, EarlyExitPolicy EarlyExit)
{
    public bool SameAs(ScheduleValues other) =>
        Step == other.Step && LearningRate.Equals(other.LearningRate) && Dropout.Equals(other.Dropout) && EarlyExit.SameAs(other.EarlyExit);
}
