using System.Globalization;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using DataFolderPaths = Stlm.Actors.Training.Run.DataFolderPaths;
using Stlm.Host.Journal;
using Stlm.Model;
using Stlm.Model.Checkpoints;

namespace Stlm.Host.Runs;

/// <summary>
/// What a command's CHECKPOINT argument names: a checkpoint folder (self-describing: its
/// checkpoint.json holds the resolved config), or RUN[@STEP] — the run's newest committed,
/// not deleted checkpoint at or before STEP (the newest of all without @STEP), found through the
/// journal the configuration names. Every problem is one line; the checkpoint is verified on open.
/// </summary>
public static class CheckpointReference
{
    public const string Help = "A checkpoint folder, or RUN[@STEP]: the run's newest checkpoint at or before STEP";

    /// <summary>The checkpoint and, for a run reference, the run's config (for checkpoints that do not hold theirs).</summary>
    public sealed record Resolved(Checkpoint Checkpoint, string? RunConfigText, DataFolderPaths? Paths = null);

    public static async Task<Resolved> ResolveAsync(string reference, Config config, CancellationToken ct)
    {
        if (Directory.Exists(reference)) return new Resolved(Checkpoint.Open(reference), null);
        if (reference.Contains('/') || reference.Contains(Path.DirectorySeparatorChar) || File.Exists(reference))
            throw new StlmException($"{reference}: no such checkpoint folder; give a folder holding checkpoint.json, or RUN[@STEP] (see `stlm runs`)");

        var (runId, step) = Parse(reference);
        var where = DataPaths.From(config);
        await using var store = JournalOpener.OpenExisting(where.Journal);
        // Journaled paths are found in this data folder, wherever the run was trained.
        var paths = new DataFolderPaths(where.DataDir);
        var run = paths.Resolved(await RunStoreOpener.LoadAsync(store, runId, ct));
        var live = run.LiveCheckpoints.OrderBy(c => c.Step).ToList();
        if (live.Count == 0)
            throw new StlmException($"run {runId} has no committed checkpoint yet; train it past checkpoint.every-steps or give a checkpoint folder");
        var chosen = run.LatestCheckpoint(step)
            ?? throw new StlmException($"run {runId} has no checkpoint at or before step {step}; its checkpoints are at steps {string.Join(", ", live.Select(c => c.Step))}");
        if (!Directory.Exists(chosen.Path))
            throw new StlmException($"run {runId}: the checkpoint of step {chosen.Step} should be at {chosen.Path} but that folder is gone; pick another step ({string.Join(", ", live.Select(c => c.Step))})");
        return new Resolved(Checkpoint.Open(chosen.Path, chosen.Hash), run.Created?.ConfigHocon, paths);
    }

    /// <summary>Resolves the reference and rebuilds the checkpoint's model and tokenizer.</summary>
    public static async Task<CheckpointModel> LoadModelAsync(string reference, Config config, CancellationToken ct)
    {
        var resolved = await ResolveAsync(reference, config, ct);
        return CheckpointModel.Load(resolved.Checkpoint, resolved.RunConfigText, resolved.Paths);
    }

    static (string RunId, long? Step) Parse(string reference)
    {
        var at = reference.LastIndexOf('@');
        if (at < 0) return (reference, null);
        var run = reference[..at];
        var text = reference[(at + 1)..];
        if (run.Length == 0 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            throw new StlmException($"'{reference}' is neither a checkpoint folder nor RUN@STEP with a whole step (e.g. r-7@1200)");
        return (run, step);
    }
}
