using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Views;

/// <summary>
/// Rebuilds runs from their events alone (current queries of the read journal), folding with
/// <see cref="RunState.Fold"/> — the same definition the RunActor recovers with.
/// </summary>
public sealed class RunJournalReader(RunQueries query)
{
    /// <summary>The run's state from its events, or <see cref="RunState.Empty"/> when it has none.</summary>
    public async Task<RunState> LoadAsync(string runId, CancellationToken ct = default)
    {
        List<object> events = [];
        await foreach (var e in query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId), 0, long.MaxValue, ct))
            events.Add(e.Event);
        return RunState.Fold(events);
    }

    /// <summary>The event that created the run (its first), or null when the journal has none: without reading the rest.</summary>
    public async Task<RunCreated?> CreatedAsync(string runId, CancellationToken ct = default)
    {
        await foreach (var e in query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId), 0, 1, ct))
            return e.Event as RunCreated;
        return null;
    }

    /// <summary>Every run in the journal, in the order they were created.</summary>
    public async Task<IReadOnlyList<RunState>> LoadAllAsync(CancellationToken ct = default)
    {
        var ids = new List<string>();
        await foreach (var persistenceId in query.CurrentPersistenceIds(ct))
            if (RunIds.FromPersistenceId(persistenceId) is { } id)
                ids.Add(id);
        var runs = new List<RunState>(ids.Count);
        foreach (var id in ids)
            if (await LoadAsync(id, ct) is { Exists: true } run)
                runs.Add(run);
        // The read journal lists ids in no promised order.
        return [.. runs.OrderBy(r => r.Created!.CreatedUnixMs).ThenBy(r => r.RunId, StringComparer.Ordinal)];
    }

    /// <summary>The run and its ancestors, oldest first (root .. run); a missing parent ends the chain.</summary>
    public async Task<IReadOnlyList<RunState>> LoadWithAncestorsAsync(string runId, CancellationToken ct = default)
    {
        var chain = new List<RunState>();
        var seen = new HashSet<string>();
        for (string? id = runId; id is not null && seen.Add(id);)
        {
            var run = await LoadAsync(id, ct);
            if (!run.Exists) break;
            chain.Insert(0, run);
            id = run.Fork?.ParentRunId;
        }
        return chain;
    }
}
