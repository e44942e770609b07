
namespace Stlm.Model.Schedules;

/// <summary>The steps worth printing: the ends of the run, where warmups end, switches flip, ramps turn and overrides start.</summary>
public static class ScheduleKeySteps
{
    public static IReadOnlyList<long> Of(ScheduleSet set, long count)
    {
        var c = set.Config;
        var steps = new List<long> { 0, count / 4, count / 2, 3 * count / 4, count - 1 };
        void Edge(long step) { steps.Add(step - 1); steps.Add(step); }

        Edge(c.LearningRate.WarmupSteps);
        if (c.LearningRate.Kind == LearningRateKind.WarmupStableDecay) Edge(c.LearningRate.DecayStart);
        Edge(c.LearningRate.Steps);
        switch (c.Dropout.Kind)
        {
            case DropoutKind.Early or DropoutKind.Late: Edge(c.Dropout.SwitchStep); break;
            case DropoutKind.Linear: steps.AddRange([c.Dropout.StartStep, c.Dropout.EndStep]); break;
            case DropoutKind.Triangle: steps.AddRange([c.Dropout.StartStep, c.Dropout.PeakStep, c.Dropout.EndStep]); break;
        }
        if (c.EarlyExit.Curriculum == ExitCurriculum.Gradual) steps.Add(c.EarlyExit.CurriculumSteps);
        if (c.EarlyExit.Curriculum == ExitCurriculum.Rotational) steps.AddRange(Enumerable.Range(1, c.EarlyExit.RotationInterval - 1).Select(i => (long)i));
        foreach (var o in set.Overrides) Edge(o.FromStep);
        return [.. steps.Where(s => s >= 0 && s < count).Distinct().Order()];
    }
}
