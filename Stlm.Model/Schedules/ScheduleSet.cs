namespace Stlm.Model.Schedules;

/// <summary>
/// The configured schedules plus the operator's overrides, answering <see cref="At"/> for any step
/// with no state: the same (config, overrides, step) always gives the same values, so a resumed,
/// forked or replayed run recomputes exactly what the original saw (DESIGN.md §5).
/// Overrides active at a step (FromStep ≤ step) apply in list (journal) order to the schedule's
/// value: a Set replaces it, a Scale multiplies it, so of two Sets the later one wins.
/// </summary>
public sealed class ScheduleSet
{
    public SchedulesConfig Config { get; }
    public IReadOnlyList<ScheduleOverride> Overrides { get; }

    public ScheduleSet(SchedulesConfig config, IReadOnlyList<ScheduleOverride>? overrides = null)
    {
        config.Validate();
        Config = config;
        Overrides = [.. overrides ?? []];
        foreach (var o in Overrides)
        {
            if (!ScheduleOverride.Names.Contains(o.What))
                throw new StlmException($"schedule override `{o}`: unknown schedule `{o.What}`; use one of {string.Join(", ", ScheduleOverride.Names)}");
            ArgumentOutOfRangeException.ThrowIfNegative(o.FromStep);
        }
        CheckProbabilitiesStayBelowOne(ScheduleOverride.Dropout, config.Dropout.Max);
        CheckProbabilitiesStayBelowOne(ScheduleOverride.LayerDropout, config.EarlyExit.MaxLayerDropout);
    }

    public ScheduleValues At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var c = Config.EarlyExit;
        var earlyExit = c with
        {
            MaxLayerDropout = Apply(ScheduleOverride.LayerDropout, step, c.MaxLayerDropout),
            LossScale = Apply(ScheduleOverride.ExitLossScale, step, c.LossScale),
        };
        return new ScheduleValues(
            step,
            Apply(ScheduleOverride.Lr, step, Config.LearningRate.At(step)),
            Apply(ScheduleOverride.Dropout, step, Config.Dropout.At(step)),
            earlyExit.At(step));
    }

    double Apply(string what, long step, double value)
    {
        foreach (var o in Overrides)
            if (o.What == what && o.FromStep <= step)
                value = o.Mode == OverrideMode.Set ? o.Value : value * o.Value;
        return value;
    }

    /// <summary>
    /// Scales could push a probability to 1 or beyond at some step; refuse that up front (with an
    /// upper bound over every step) rather than fail in the middle of a run.
    /// </summary>
    void CheckProbabilitiesStayBelowOne(string what, double scheduleMax)
    {
        var bound = scheduleMax;
        foreach (var o in Overrides.Where(o => o.What == what))
        {
            bound = o.Mode == OverrideMode.Set ? Math.Max(bound, o.Value) : Math.Max(bound, bound * o.Value);
            if (bound >= 1)
                throw new StlmException($"schedule override `{o}` can push {what} to {bound:G4}; probabilities must stay below 1, so use a smaller value or factor");
        }
    }
}
