namespace Stlm.Model.Data;

/// <summary>
/// Files that appear whole or not at all: written beside the target as "*.tmp", flushed to
/// disk, then renamed over it (a rename within a directory is atomic on POSIX file systems).
/// </summary>
public static class AtomicFile
{
    public static string TempPathFor(string path) => path + ".tmp";

    public static void WriteAllText(string path, string text)
    {
        var temp = TempPathFor(path);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Renames a finished temp file (already flushed to disk) into place.</summary>
    public static void Commit(string temp, string path) => File.Move(temp, path, overwrite: true);
}
