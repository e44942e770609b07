namespace Stlm.Model.Schedules;

/// <summary>The `schedules { learning-rate {…} dropout {…} early-exit {…} }` section of the configuration.</summary>
public sealed record SchedulesConfig(LearningRateSchedule LearningRate, DropoutSchedule Dropout, EarlyExitSchedule EarlyExit)
{
    public const string Section = "schedules";

    public SchedulesConfig() : this(new LearningRateSchedule(), new DropoutSchedule(), new EarlyExitSchedule()) { }

    public void Validate()
    {
        LearningRate.Validate();
        Dropout.Validate();
        EarlyExit.Validate();
    }
}
