using Stlm.Actors.Persistence;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// Hashes of the checkpoints of one run that other runs were forked from: retention keeps them.
/// A fork is said once, in its run's first event, and never changes, so each run's first event is
/// read once: a later read lists the runs again and reads only those it has not seen. A session
/// asks at every checkpoint that may drop one; with hundreds of runs in the journal, reading every
/// run's first event each time cost a query per run.
/// <code>
/// var forks = new ForkPoints(store.Query, "r-7");
/// var keep = await forks.ReadAsync();
/// </code>
/// </summary>
public sealed class ForkPoints(RunQueries query, string runId)
{
    readonly HashSet<string> _read = new(StringComparer.Ordinal);
    readonly HashSet<string> _hashes = new(StringComparer.Ordinal);
    readonly SemaphoreSlim _one = new(1, 1);

    public async Task<IReadOnlySet<string>> ReadAsync(CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        try
        {
            await foreach (var id in query.CurrentPersistenceIds(ct))
            {
                if (_read.Contains(id) || Run.RunIds.FromPersistenceId(id) is null) continue;
                await foreach (var first in query.CurrentEventsByPersistenceId(id, 1, 1, ct))
                    if (first.Event is Run.RunCreated { Fork: { } fork } && fork.ParentRunId == runId)
                        _hashes.Add(fork.ParentCheckpointHash);
                // A persistence id is listed only once its first event is committed: it is read for good.
                _read.Add(id);
            }
            return _hashes.ToHashSet(StringComparer.Ordinal);
        }
        finally
        {
            _one.Release();
        }
    }
}
