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
        var inherited = parent.Created!.Config();
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
        return recipe;
    }

    /// <summary>
    /// A run trains on exactly training.data-parallel.world-size ranks: <paramref name="processes"/>
    /// (--nproc; null: as many as the world size) must match it, and ranks beyond the first need a
    /// way to start them (<paramref name="canLaunch"/>). A resume (<paramref name="resuming"/>)
    /// keeps the run's world size: another is a fork. Each refusal is one line.
    /// </summary>
    public static void CheckRanks(Config config, bool canLaunch, int? processes, string? resuming = null)
    {
        var worldSize = config.GetInt("training.data-parallel.world-size");
        if (processes is < 1) throw new StlmException($"--nproc {processes} starts no rank: give the number of ranks, at least 1");
        var ranks = processes ?? (canLaunch ? worldSize : 1);
        if (ranks == worldSize && (worldSize == 1 || canLaunch)) return;
        if (resuming is { } run)
            throw new StlmException(
                $"run {run} trains on {worldSize} rank(s) (training.data-parallel.world-size = {worldSize}) and --nproc {ranks} starts {ranks}: a resume keeps the world size " +
                $"(resume with --nproc {worldSize}, or leave --nproc out); to train on {ranks}, fork it: stlm fork {run} --set training.data-parallel.world-size={ranks}");
        if (!canLaunch)
            throw new StlmException($"training.data-parallel.world-size = {worldSize} needs {worldSize} ranks and nothing here starts them: train with `stlm train --nproc {worldSize}` (ranks on this machine)");
        throw new StlmException(
            $"--nproc {ranks} does not match training.data-parallel.world-size = {worldSize}: every rank is one process of the run, so set both to the same number " +
            $"(--set training.data-parallel.world-size={ranks} --nproc {ranks})");
    }

    /// <summary>The command that journals run <paramref name="runId"/> trained with <paramref name="config"/> (a fork names its parent's checkpoint).</summary>
    public static CreateRun Command(string runId, Config config, ForkFrom? fork = null) =>
        new(runId, config.ToHocon(), config.ContentHash(), config.GetLong("torch.seed"), TrainingSession.CodeVersion, fork);
}
