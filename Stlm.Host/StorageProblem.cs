using Microsoft.Data.Sqlite;

namespace Stlm.Host;

/// <summary>
/// Turns a failure to write the data folder — a full disk, a read-only file system — into the
/// one line a user can act on, instead of SQLite's "disk I/O error" or an internal error.
/// </summary>
public static class StorageProblem
{
    /// <summary>The line to print for <paramref name="e"/> (or one of its inner exceptions), or null when it is no storage problem.</summary>
    public static string? Describe(Exception e, string? dataDir)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (IsFull(x, dataDir)) return $"the disk holding {Where(dataDir)} is full ({Free(dataDir)} free): {Short(x)}; free some space and run the command again (what was stored before is unchanged)";
            if (IsReadOnly(x, dataDir))
                return $"the data folder {Where(dataDir)} is read-only ({Short(x)}); SQLite writes beside its journal even to read it (the -wal and -shm files): " +
                       "make the folder writable, or copy it somewhere writable and point --set stlm.data-dir=DIR (or STLM_DATA_DIR) there";
        }
        return null;
    }

    // SQLite reports SQLITE_FULL (13), or SQLITE_IOERR (10) when its -shm file cannot grow; SQLITE_READONLY (8) or
    // SQLITE_CANTOPEN (14) when it cannot write beside the journal.
    static bool IsFull(Exception x, string? dataDir) =>
        x.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || x.Message.Contains("disk is full", StringComparison.OrdinalIgnoreCase)
        || (x is SqliteException { SqliteErrorCode: 10 or 13 } && FreeBytes(dataDir) is < 64 * 1024);

    static bool IsReadOnly(Exception x, string? dataDir) =>
        x.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase)
        || (x is SqliteException { SqliteErrorCode: 8 or 14 } && dataDir is not null && !Writable(dataDir));

    static bool Writable(string folder)
    {
        if (!Directory.Exists(folder)) return true;
        try
        {
            using (File.Create(Path.Combine(folder, $".stlm-write-probe-{Guid.NewGuid():N}"), 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    static string Where(string? dataDir) => dataDir is null ? "the data folder" : Path.GetFullPath(dataDir);

    static string Free(string? dataDir) => FreeBytes(dataDir) is { } free ? $"{free:N0} bytes" : "no space";

    static long? FreeBytes(string? dataDir)
    {
        try
        {
            return dataDir is null || !Directory.Exists(dataDir) ? null : new DriveInfo(Path.GetFullPath(dataDir)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static string Short(Exception x) => x.Message.ReplaceLineEndings(" ").Trim();
}
