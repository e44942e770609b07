using Stlm.Model;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// What a new run's RunCreated says, shared by <see cref="TrainingSession"/> and the host's
/// `stlm fork --no-train`, so that a fork journaled without training is the fork a session would have made.
/// </summary>
public static class RunCreation
{
    /// <summary>
    /// A fork's config: <paramref name="parent"/>'s journaled config (already resolved) with
    /// <paramref name="overrides"/> ("key=value", as --set) on top, so an override changes only the
    /// key it names. A bad override, or one that changes the parameters' shapes or the tokenizer
    /// (<see cref="ForkableKeys"/>), throws StlmException here, before anything is journaled.
    /// The fork is journaled as trained in <paramref name="paths"/>' data folder (null: the parent's).
    /// </summary>
    public static Config ForkConfig(RunState parent, IReadOnlyList<string> overrides, DataFolderPaths? paths = null)
    {
        var inherited = Config.ParseString(parent.Created!.ConfigHocon, $"run {parent.RunId}").Resolve();
        var start = paths is null ? inherited : paths.Relocate(inherited);
        var config = start;
        foreach (var set in overrides) config = ConfigLoader.ParseSet(set).WithFallback(config);
        config = config.Resolve();
        ForkableKeys.Check(parent.RunId, start, config);
        CheckBeforeJournaling(config);
        return config;
    }

    /// <summary>
    /// The config's problems a user can fix (bad values, an unknown eval task, a missing or
    /// unreadable task file) as one-line StlmExceptions, before a start is journaled; returns the recipe it checked.
    /// </summary>
    public static TrainingRecipe CheckBeforeJournaling(Config config)
    {
        var recipe = TrainingRecipe.From(config);
        ChoiceTask.Load(SessionSettings.From(config).Tasks);
        // The numeric core of data parallelism exists (Stlm.Model/Training/DataParallel), but a run
        // is not yet spread over ranks: refuse rather than silently train on one process.
        var worldSize = config.GetInt("training.data-parallel.world-size");
        if (worldSize > 1)
            throw new StlmException($"training.data-parallel.world-size = {worldSize}: runs train in one process in this version; set it to 1 (`stlm bench data-parallel` measures the data-parallel step)");
        return recipe;
    }

    /// <summary>The command that journals run <paramref name="runId"/> trained with <paramref name="config"/> (a fork names its parent's checkpoint).</summary>
    public static CreateRun Command(string runId, Config config, ForkFrom? fork = null) =>
        new(runId, config.ToHocon(), config.ContentHash(), config.GetLong("torch.seed"), TrainingSession.CodeVersion, fork);
}
