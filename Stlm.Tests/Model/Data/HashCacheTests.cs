using Stlm.Model.Data;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Data;

public class HashCacheTests
{
    [Fact]
    public void A_file_unchanged_since_it_was_hashed_is_not_read_again_even_by_a_new_cache()
    {
        using var dir = new TempDirectory();
        var file = dir.File("shard.bin");
        File.WriteAllBytes(file, [1, 2, 3, 4]);
        var old = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(file, old);
        var first = HashCache.In(dir.Path);
        var sha = first.Sha256(file);
        Assert.Equal(SourceHashing.Sha256(file), sha);
        first.Save();

        // Same size, same time: the remembered hash is used (a file rewritten behind the clock's back is not re-read).
        File.WriteAllBytes(file, [9, 9, 9, 9]);
        File.SetLastWriteTimeUtc(file, old);
        long read = 0;
        Assert.Equal(sha, HashCache.In(dir.Path).Sha256(file, n => read += n));
        Assert.Equal(0, read);
    }

    [Fact]
    public void A_file_changed_in_size_or_time_or_too_recently_hashed_is_hashed_again()
    {
        using var dir = new TempDirectory();
        var file = dir.File("shard.bin");
        File.WriteAllBytes(file, [1, 2, 3, 4]);
        var cache = HashCache.In(dir.Path);
        cache.Sha256(file);

        // Written right after hashing, same size, possibly the same clock tick: never trusted.
        File.WriteAllBytes(file, [5, 6, 7, 8]);
        Assert.Equal(SourceHashing.Sha256(file), cache.Sha256(file));

        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        cache.Sha256(file);
        File.WriteAllBytes(file, [5, 6, 7, 8, 9]);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
        Assert.Equal(SourceHashing.Sha256(file), cache.Sha256(file));
    }

    [Fact]
    public void An_unreadable_cache_file_only_costs_the_hashing()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(HashCache.FileName), "{ not json");
        var file = dir.File("a.txt");
        File.WriteAllText(file, "hello");
        Assert.Equal(SourceHashing.Sha256(file), HashCache.In(dir.Path).Sha256(file));
    }
}
