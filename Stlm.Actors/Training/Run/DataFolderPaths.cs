using Stlm.Actors.Configuration;

namespace Stlm.Actors.Training.Run;

/// <summary>
/// A run's files as the journal names them, and where they are in the data folder
/// (<c>stlm.data-dir</c>) of the process reading. A CheckpointCommitted path is stored relative
/// to the data folder when the checkpoint lies inside it ("checkpoints/r-7/step-000000120"),
/// absolute otherwise, and resolved when read — so a data folder moved or copied elsewhere
/// keeps working. Older events hold absolute paths: one under the run's journaled data folder
/// is rebased onto the current one (kept as it is when only the original exists). The run's
/// journaled config is relocated the same way — its stlm.data-dir and every path under it
/// (shards, tokenizer, checkpoints) — for resume, fork, eval and replay; the journal keeps the
/// config as it was written, so its content hash and the checkpoints' manifests do not change.
/// </summary>
public sealed record DataFolderPaths
{
    public DataFolderPaths(string dataDir) => DataDir = Trim(Path.GetFullPath(dataDir));

    /// <summary>The data folder of this process, as a full path.</summary>
    public string DataDir { get; }

    /// <summary>The data folder <paramref name="config"/> names (stlm.data-dir).</summary>
    public static DataFolderPaths Of(Config config) => new(config.GetString("stlm.data-dir"));

    /// <summary>How the journal names <paramref name="path"/>: relative to the data folder when inside it.</summary>
    public string ToJournal(string path)
    {
        var full = Trim(Path.GetFullPath(path));
        return Inside(full, DataDir) is { } relative ? relative : full;
    }

    /// <summary>
    /// Where a journaled path is now. <paramref name="journaledDataDir"/>: the data folder of the
    /// run that wrote it (its journaled stlm.data-dir), for absolute paths of older events.
    /// </summary>
    public string Resolve(string journaled, string? journaledDataDir)
    {
        if (!Path.IsPathRooted(journaled)) return Path.Combine(DataDir, journaled);
        if (journaledDataDir is null || Inside(Trim(journaled), Trim(Path.GetFullPath(journaledDataDir))) is not { } relative) return journaled;
        var rebased = Path.Combine(DataDir, relative);
        return Directory.Exists(rebased) || !Directory.Exists(journaled) ? rebased : journaled;
    }

    /// <summary>The run's state with every checkpoint path resolved (a view for reading: never journaled).</summary>
    public RunState Resolved(RunState run)
    {
        var wrote = JournaledDataDir(run);
        return run with { Checkpoints = run.Checkpoints.ConvertAll(c => c with { Path = Resolve(c.Path, wrote) }) };
    }

    /// <summary>The run's journaled config moved into this data folder: stlm.data-dir and every path under the old one.</summary>
    public Config Relocate(Config journaled)
    {
        var written = journaled.GetString("stlm.data-dir");
        if (Trim(Path.GetFullPath(written)) == DataDir) return journaled;
        // Paths under the old folder were resolved from its text as written ("./stlm-data/…") or as a full path.
        string[] olds = [.. new[] { Trim(written), Trim(Path.GetFullPath(written)) }.Distinct()];
        return Config.FromObject((ConfigObject)Rebase(journaled.Root, olds));
    }

    /// <summary>The data folder the run was created in (its journaled stlm.data-dir), or null for a run not created yet.</summary>
    public static string? JournaledDataDir(RunState run) => run.Created is { } created
        ? created.Config().GetString("stlm.data-dir")
        : null;

    ConfigValue Rebase(ConfigValue value, string[] olds) => value switch
    {
        ConfigObject o => new ConfigObject(o.Origin, new OrderedDictionary<string, ConfigValue>(
            o.Fields.Select(f => KeyValuePair.Create(f.Key, Rebase(f.Value, olds))))),
        ConfigList l => new ConfigList(l.Origin, [.. l.Items.Select(i => Rebase(i, olds))]),
        ConfigString s when olds.FirstOrDefault(old => s.Value == old || s.Value.StartsWith(old + "/", StringComparison.Ordinal)) is { } old =>
            new ConfigString(s.Origin, DataDir + s.Value[old.Length..]),
        _ => value,
    };

    static string? Inside(string full, string folder) =>
        full.StartsWith(folder + "/", StringComparison.Ordinal) ? full[(folder.Length + 1)..] : null;

    static string Trim(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
