using System.Text.Json;

namespace Stlm.Model.Data;

/// <summary>
/// SHA-256s of files remembered with their size and modification time (in one small JSON file
/// beside the shards), so reusing prepared shards does not read the corpus and every shard again
/// at each start. A file whose size or time changed is hashed again; so is one whose time was
/// too close to the moment it was hashed (a change within the clock's granularity would keep
/// the time: git's "racily clean" rule). A missing or unreadable cache only costs the hashing.
/// </summary>
public sealed class HashCache
{
    public const string FileName = ".sha256-cache.json";
    static readonly TimeSpan Margin = TimeSpan.FromSeconds(2);

    sealed record Entry(long Bytes, long ModifiedTicks, long HashedTicks, string Sha256);

    readonly string _file;
    readonly Dictionary<string, Entry> _entries;
    bool _changed;

    HashCache(string file, Dictionary<string, Entry> entries) => (_file, _entries) = (file, entries);

    /// <summary>The cache kept in <paramref name="directory"/> (empty when there is none or it cannot be read).</summary>
    public static HashCache In(string directory)
    {
        var file = Path.Combine(directory, FileName);
        try
        {
            if (File.Exists(file) && JsonSerializer.Deserialize<Dictionary<string, Entry>>(File.ReadAllText(file)) is { } entries)
                return new HashCache(file, entries);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
        }
        return new HashCache(file, new Dictionary<string, Entry>(StringComparer.Ordinal));
    }

    /// <summary>The file's SHA-256: remembered when size and time are as when it was hashed, computed otherwise.</summary>
    public string Sha256(string path, Action<long>? bytesRead = null, CancellationToken cancel = default)
    {
        var full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        var modified = info.LastWriteTimeUtc.Ticks;
        if (_entries.TryGetValue(full, out var e) && e.Bytes == info.Length && e.ModifiedTicks == modified
            && e.HashedTicks - modified > Margin.Ticks)
            return e.Sha256;
        var hashedAt = DateTime.UtcNow.Ticks;
        var sha = SourceHashing.Sha256(full, bytesRead, cancel);
        _entries[full] = new Entry(info.Length, modified, hashedAt, sha);
        _changed = true;
        return sha;
    }

    /// <summary>Writes the cache if it learned something (temp file + rename; losing it only costs hashing).</summary>
    public void Save()
    {
        if (!_changed) return;
        try
        {
            var temp = _file + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(_entries));
            File.Move(temp, _file, overwrite: true);
            _changed = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
