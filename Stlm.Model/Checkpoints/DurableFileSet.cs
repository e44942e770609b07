using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// New files in one folder, written one after another and made durable together. Each file's
/// writeback starts as soon as it is written, its SHA-256 is computed on another thread from the
/// same bytes while they are copied to the file, and <see cref="SyncAll"/> fsyncs every file and
/// the folder at once, on parallel threads, so the file system commits them in one journal
/// transaction rather than one per file. Measured on ext4: five files fsync'd one by one took
/// about 2x `dd conv=fsync` of the same bytes, this about 1.3x.
/// </summary>
sealed class DurableFileSet(string folder) : IDisposable
{
    readonly List<FileStream> _files = [];

    /// <summary>
    /// Writes a new file from <paramref name="bytes"/>, which is called twice (once into the file,
    /// once into the hash, concurrently): it must write the same bytes each time and only read
    /// what it is given.
    /// </summary>
    public CheckpointFile Write(string name, Action<Stream> bytes)
    {
        var path = Path.Combine(folder, name);
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        _files.Add(file);
        var hash = Task.Run(() => Sha256Of(bytes));
        bytes(file);
        file.Flush();
        var written = file.Length;
        Durability.StartWriteback(file.SafeFileHandle);
        var (hashed, sha256) = hash.GetAwaiter().GetResult();
        if (hashed != written) throw new InvalidOperationException($"{name}: {written} bytes written but {hashed} hashed; the writer is not deterministic");
        return new CheckpointFile(name, written, sha256);
    }

    /// <summary>fsyncs every file written and the folder, all at once; returns when all are durable.</summary>
    public void SyncAll()
    {
        var syncs = _files.Select(f => (Action)(() => f.Flush(flushToDisk: true)))
            .Append(() => Durability.SyncDirectory(folder)).ToList();
        // Dedicated threads, not the pool: the point is that the fsyncs wait side by side.
        var errors = new Exception?[syncs.Count];
        var threads = syncs.Skip(1).Select((sync, i) => new Thread(() => errors[i + 1] = Run(sync)) { IsBackground = true }).ToList();
        foreach (var t in threads) t.Start();
        errors[0] = Run(syncs[0]);
        foreach (var t in threads) t.Join();
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw new IOException($"cannot make {folder} durable: {error.Message}", error);
    }

    static Exception? Run(Action sync)
    {
        try
        {
            sync();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    static (long Bytes, string Sha256) Sha256Of(Action<Stream> bytes)
    {
        using var hashing = new HashingStream(Stream.Null);
        bytes(hashing);
        return (hashing.Written, hashing.Sha256Hex());
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
