using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Replay;

/// <summary>The StepCompleted events of a run in a range of steps, by step, read from the journal.</summary>
public static class JournaledSteps
{
    public static async Task<IReadOnlyDictionary<long, StepCompleted>> LoadAsync(RunQueries query, string runId,
        long fromStep, long toStep, CancellationToken ct = default)
    {
        var steps = new Dictionary<long, StepCompleted>();
        await foreach (var e in query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId), 0, long.MaxValue, ct))
            if (e.Event is StepCompleted s && s.Step >= fromStep && s.Step <= toStep)
                steps[s.Step] = s;
        return steps;
    }
}
