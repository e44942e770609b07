using System.Collections.Concurrent;
using Stlm.Model.Checkpoints;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// Where this node keeps committed checkpoints, found by the content hash the journal names:
/// folders registered by this process, the journal's path in this node's data folder, and the
/// node's cache of fetched copies (<c>&lt;cache&gt;/&lt;run&gt;/step-N/</c>, with the run's
/// <c>tokenizer-&lt;id&gt;/</c> beside it, the layout of a run's own checkpoint folder). A folder
/// counts only when its checkpoint.sha256 names the hash; a whole check happens when it is opened.
/// Copies being fetched live in <c>&lt;cache&gt;/.partial-&lt;hash&gt;/</c> and are never found here.
/// </summary>
public sealed class CheckpointCatalog(string dataDir, string cacheDir)
{
    readonly ConcurrentDictionary<string, string> _registered = new(StringComparer.Ordinal);

    /// <summary>
    /// One copy assembled at a time in this cache (<see cref="CheckpointFetcher"/>): an evaluator and a
    /// trainer of one node, or two ranks placed on it, never write the same partial folder at once.
    /// </summary>
    internal SemaphoreSlim Assembling { get; } = new(1, 1);

    public string DataDir { get; } = Path.GetFullPath(dataDir);

    public string CacheDir { get; } = Path.GetFullPath(cacheDir);

    /// <summary>The cache folder a data folder's node uses by default.</summary>
    public static CheckpointCatalog InDataFolder(string dataDir) => new(dataDir, Path.Combine(dataDir, "checkpoint-cache"));

    public void Register(string hash, string folder) => _registered[hash] = Path.GetFullPath(folder);

    /// <summary>The local folder of checkpoint <paramref name="hash"/>, or null when this node has none.</summary>
    public string? Find(string hash, string? journalPath = null)
    {
        if (_registered.TryGetValue(hash, out var registered) && Names(registered, hash)) return registered;
        if (journalPath is { Length: > 0 })
        {
            var local = Path.IsPathRooted(journalPath) ? journalPath : Path.Combine(DataDir, journalPath);
            if (Names(local, hash)) return Path.GetFullPath(local);
        }
        if (!Directory.Exists(CacheDir)) return null;
        foreach (var run in Directory.EnumerateDirectories(CacheDir))
        {
            if (Path.GetFileName(run).StartsWith('.')) continue;
            foreach (var step in Directory.EnumerateDirectories(run, CheckpointNames.FolderPrefix + "*"))
                if (Names(step, hash)) return step;
        }
        return null;
    }

    /// <summary>Where a copy of <paramref name="hash"/> is assembled before it is verified and moved into the cache.</summary>
    public string PartialFolder(string hash) => Path.Combine(CacheDir, ".partial-" + hash);

    static bool Names(string folder, string hash)
    {
        var file = Path.Combine(folder, CheckpointNames.ContentHash);
        try { return File.Exists(file) && File.ReadAllText(file).Trim() == hash; }
        catch (IOException) { return false; }
    }

    /// <summary>
    /// The files a transfer of the checkpoint moves, relative to its folder, with the size and
    /// SHA-256 its manifest gives (checkpoint.json itself is checked by its content hash instead).
    /// </summary>
    public static IReadOnlyList<CheckpointFile> FilesOf(CheckpointManifest manifest)
    {
        var files = new List<CheckpointFile>(manifest.Files);
        if (manifest.Info.Tokenizer is { } tokenizer)
            files.AddRange(tokenizer.Files.Select(f => f with { Name = TokenizerFile(tokenizer.Folder, f.Name) }));
        return files;
    }

    static string TokenizerFile(string folder, string name) => folder.Replace('\\', '/').TrimEnd('/') + "/" + name;
}
