namespace Stlm.Model.Checkpoints;

/// <summary>
/// The checkpoints folder of a run: listing committed checkpoints, deleting ours, and removing
/// what interrupted writes left. A temp folder ".tmp-step-…" is being written exactly while a
/// process holds an exclusive lock on its ".lock" file beside it; a crash drops the lock.
/// </summary>
public static class CheckpointFolders
{
    /// <summary>Temp folders with no lock file are removed only when older than this (the writer may be creating the lock).</summary>
    public static readonly TimeSpan UnlockedTempAge = TimeSpan.FromMinutes(10);

    /// <summary>A committed checkpoint folder: its path, step and creation time.</summary>
    public sealed record Listing(string Path, long Step, DateTimeOffset CreatedUtc)
    {
        public string Name => System.IO.Path.GetFileName(Path);
    }

    /// <summary>Committed checkpoints under <paramref name="checkpointsDir"/> (step-N folders holding a checkpoint.json), by step.</summary>
    public static IReadOnlyList<Listing> List(string checkpointsDir)
    {
        if (!Directory.Exists(checkpointsDir)) return [];
        var found = new List<Listing>();
        foreach (var dir in Directory.GetDirectories(checkpointsDir))
        {
            var step = CheckpointNames.StepOf(Path.GetFileName(dir));
            var manifest = Path.Combine(dir, CheckpointNames.Manifest);
            if (step is null || !File.Exists(manifest)) continue;
            found.Add(new Listing(dir, step.Value, File.GetLastWriteTimeUtc(manifest)));
        }
        return found.OrderBy(l => l.Step).ToList();
    }

    /// <summary>
    /// Deletes the committed checkpoint at <paramref name="step"/>: it is first renamed to a temp
    /// name (so it vanishes at once and a crash mid-delete leaves only a stale temp folder).
    /// Folders that are not ours (other names, no checkpoint.json) are refused.
    /// </summary>
    public static void Delete(string checkpointsDir, long step)
    {
        var path = Path.Combine(checkpointsDir, CheckpointNames.Folder(step));
        if (!Directory.Exists(path)) throw new StlmException($"{path}: no such checkpoint to delete");
        if (!File.Exists(Path.Combine(path, CheckpointNames.Manifest)))
            throw new StlmException($"{path}: has no {CheckpointNames.Manifest}, so it is not a checkpoint this program wrote; it was left alone");
        var doomed = Path.Combine(checkpointsDir, $"{CheckpointNames.TempPrefix}{step:D9}-deleting-{Guid.NewGuid():N}");
        Directory.Move(path, doomed);
        LibTorch.Safetensors.Durability.SyncDirectory(checkpointsDir);
        DeleteQuietly(doomed);
    }

    /// <summary>
    /// Removes temp folders that no live writer holds: those whose lock file can be locked, and
    /// those without a lock file older than <see cref="UnlockedTempAge"/> (as a tokenizer copy's
    /// temp folder always is: its write takes milliseconds). Returns their names.
    /// </summary>
    public static IReadOnlyList<string> CleanStale(string checkpointsDir, TimeProvider? clock = null)
    {
        if (!Directory.Exists(checkpointsDir)) return [];
        var now = (clock ?? TimeProvider.System).GetUtcNow();
        var removed = new List<string>();
        var temps = Directory.GetDirectories(checkpointsDir, CheckpointNames.TempPrefix + "*")
            .Concat(Directory.GetDirectories(checkpointsDir, CheckpointTokenizer.TempPrefix + "*"));
        foreach (var dir in temps)
        {
            var lockPath = dir + ".lock";
            if (File.Exists(lockPath))
            {
                if (!TryTakeStaleLock(lockPath, out var stale)) continue;
                using (stale) DeleteQuietly(dir);
            }
            else if (now - Directory.GetLastWriteTimeUtc(dir) > UnlockedTempAge) DeleteQuietly(dir);
            else continue;
            removed.Add(Path.GetFileName(dir));
        }
        foreach (var lockPath in Directory.GetFiles(checkpointsDir, CheckpointNames.TempPrefix + "*.lock"))
            if (!Directory.Exists(lockPath[..^".lock".Length]) && TryTakeStaleLock(lockPath, out var orphan))
                orphan.Dispose();
        return removed;
    }

    /// <summary>Creates and exclusively locks the lock file of a temp folder; disposing releases and deletes it.</summary>
    internal static FileStream LockTemp(string temp) =>
        new(temp + ".lock", FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);

    /// <summary>Locks a lock file nobody holds; the returned stream deletes it on dispose.</summary>
    static bool TryTakeStaleLock(string lockPath, out FileStream stream)
    {
        try
        {
            stream = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return true;
        }
        catch (IOException)
        {
            stream = null!;
            return false;
        }
    }

    internal static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
