using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;

namespace Stlm.Host.Runs;

/// <summary>`stlm fork --no-train`: the fork is journaled (RunCreated naming its parent's checkpoint, then Paused) and not trained.</summary>
public static class ForkCreation
{
    public static async Task<RunState> CreatePausedAsync(SqlPersistence store, string parentId, long? step, IReadOnlyList<string> overrides,
        string runId, int snapshotEvery, CancellationToken ct)
    {
        var parent = await RunStoreOpener.LoadAsync(store, parentId, ct);
        // The parent's journaled config with the overrides on top, as TrainingSession.Fork derives it.
        var config = Config.ParseString(parent.Created!.ConfigHocon, $"run {parentId}");
        foreach (var set in overrides) config = ConfigLoader.ParseSet(set).WithFallback(config);
        config = config.Resolve();
        TrainingRecipe.From(config); // a bad override fails here, before anything is journaled
        SessionSettings.From(config);
        var create = new CreateRun(runId, config.ToHocon(), config.ContentHash(), config.GetLong("torch.seed"), TrainingSession.CodeVersion,
            new ForkFrom(parent, step, overrides));
        return await IdleRunControl.ApplyAsync(store, runId, [create, new PauseRun("forked with --no-train")], snapshotEvery, ct);
    }
}
