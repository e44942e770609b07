using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Leases;

namespace Stlm.Actors.Training.Views;

/// <summary>
/// A run's journal says "running" from its start until it pauses, fails or completes; whether a
/// process still trains it is in the lease table. Views (`stlm runs`, `stlm show`) show a running
/// run whose lease holder is gone as interrupted, with the command that resumes it.
/// </summary>
public static class RunLiveness
{
    public static async Task<IReadOnlyList<RunSummary>> ApplyAsync(SqlDialect dialect, IReadOnlyList<RunSummary> runs, CancellationToken ct = default)
    {
        if (!runs.Any(r => r.Status == RunSummary.StatusName(Run.RunStatus.Running))) return runs;
        var store = new RunLeaseStore(dialect);
        var leases = await store.ReadAllAsync(ct);
        return [.. runs.Select(r => r.Status == RunSummary.StatusName(Run.RunStatus.Running) && store.HolderIsGone(leases.GetValueOrDefault(r.Id))
            ? r.AsInterrupted() : r)];
    }
}
