using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;

namespace Stlm.Host.Runs;

/// <summary>
/// `stlm fork --no-train`: the fork is journaled (RunCreated naming its parent's checkpoint, then
/// Paused) and not trained; on a cluster, the same with the Paused reason that hands it to the cluster.
/// </summary>
public static class ForkCreation
{
    public static async Task<RunState> CreatePausedAsync(JournalStore store, string parentId, long? step, IReadOnlyList<string> overrides,
        string runId, string dataDir, int snapshotEvery, CancellationToken ct, string reason = "forked with --no-train")
    {
        var parent = await RunStoreOpener.LoadAsync(store, parentId, ct);
        var config = RunCreation.ForkConfig(parent, overrides, new DataFolderPaths(dataDir));
        var create = RunCreation.Command(runId, config, new ForkFrom(parent, step, overrides));
        return await IdleRunControl.ApplyAsync(store, runId, [create, new PauseRun(reason)], snapshotEvery, ct);
    }
}
