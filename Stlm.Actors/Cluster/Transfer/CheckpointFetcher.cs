using System.Security.Cryptography;
using Akka.Actor;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>How a transfer moves bytes: chunk size, chunks in flight (memory bound = their product), and how long a source may stay silent.</summary>
public sealed record TransferSettings(int ChunkBytes = 1024 * 1024, int Window = 8, TimeSpan? ChunkTimeout = null)
{
    public TimeSpan Timeout => ChunkTimeout ?? TimeSpan.FromSeconds(10);
}

/// <summary>
/// Brings a committed checkpoint this node lacks into its cache from a node that has it.
/// checkpoint.json comes first and must hash to the id the journal names; then every file it
/// lists (and its tokenizer copy) is pulled in chunks, <see cref="TransferSettings.Window"/> in
/// flight, appended to a file under the cache's partial folder and hashed as it arrives, so a
/// transfer holds at most Window × ChunkBytes in memory however large the checkpoint is. A
/// source that dies or stops answering is left for the next one, which resumes each file from
/// the bytes already written (files are named by content, so any holder's bytes are the same).
/// A file whose SHA-256 differs is deleted and the transfer fails over; only a copy that
/// <see cref="CheckpointVerifier"/> passes is renamed into the cache.
/// </summary>
public sealed class CheckpointFetcher(CheckpointCatalog catalog, TransferSettings? settings = null)
{
    readonly TransferSettings _settings = settings ?? new TransferSettings();

    /// <summary>A source sent bytes that do not hash to what the manifest (or the journal) names.</summary>
    sealed class CorruptTransferException(string message) : Exception(message);

    /// <summary>Bytes written to disk so far in this call (for progress and the bench).</summary>
    public long BytesFetched { get; private set; }

    /// <summary>
    /// The local folder of checkpoint <paramref name="hash"/>: found on this node, or fetched from
    /// the first of <paramref name="sources"/> (other nodes' <see cref="CheckpointSourceActor"/>) that has a sound copy.
    /// </summary>
    public async Task<string> FetchAsync(string hash, string journalPath, IReadOnlyList<ICanTell> sources, CancellationToken ct = default)
    {
        if (catalog.Find(hash, journalPath) is { } local) return local;
        await catalog.Assembling.WaitAsync(ct);
        try
        {
            // Another fetch of this node may have brought it while this one waited.
            return catalog.Find(hash, journalPath) ?? await FetchFromAny(hash, journalPath, sources, ct);
        }
        finally
        {
            catalog.Assembling.Release();
        }
    }

    async Task<string> FetchFromAny(string hash, string journalPath, IReadOnlyList<ICanTell> sources, CancellationToken ct)
    {
        var problems = new List<string>();
        foreach (var source in sources)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                switch (await source.Ask<object>(new CheckpointWanted(hash, journalPath), _settings.Timeout, ct))
                {
                    case CheckpointAvailable offer:
                        return await FetchFrom(source, hash, offer.ManifestBytes, ct);
                    case CheckpointNotHere no:
                        problems.Add($"{Describe(source)}: {no.Reason}");
                        break;
                }
            }
            catch (CorruptTransferException e)
            {
                problems.Add($"{Describe(source)}: {e.Message}");
            }
            catch (AskTimeoutException)
            {
                problems.Add($"{Describe(source)} stopped answering");
            }
        }
        throw new StlmException($"checkpoint {Short(hash)} could not be fetched from any node ({(problems.Count == 0 ? "no node to ask" : string.Join("; ", problems))}); check that a node holding it is up");
    }

    async Task<string> FetchFrom(ICanTell source, string hash, long manifestBytes, CancellationToken ct)
    {
        var partial = catalog.PartialFolder(hash);
        var step = Path.Combine(partial, "checkpoint");
        Directory.CreateDirectory(step);

        // The manifest is small and is fetched anew each time: it is checked whole against the journal's id.
        var manifestPath = Path.Combine(step, CheckpointNames.Manifest);
        File.Delete(manifestPath);
        await Pull(source, hash, CheckpointNames.Manifest, manifestPath, manifestBytes, expectedSha256: null, ct);
        CheckpointManifest manifest;
        try { manifest = CheckpointManifest.Parse(await File.ReadAllBytesAsync(manifestPath, ct)); }
        catch (FormatException e) { File.Delete(manifestPath); throw new CorruptTransferException($"checkpoint.json arrived unreadable ({e.Message})"); }
        if (manifest.ContentHash() != hash)
        {
            File.Delete(manifestPath);
            throw new CorruptTransferException($"checkpoint.json arrived with content hash {Short(manifest.ContentHash())}, the journal names {Short(hash)}");
        }

        foreach (var file in CheckpointCatalog.FilesOf(manifest))
            await Pull(source, hash, file.Name, Path.GetFullPath(Path.Combine(step, file.Name)), file.Bytes, file.Sha256, ct);
        await File.WriteAllTextAsync(Path.Combine(step, CheckpointNames.ContentHash), hash + "\n", ct);
        // Every file was hashed against checkpoint.json as it arrived (Pull): not read and hashed a second time.
        var check = CheckpointVerifier.Check(step, hash, filesHashed: true);
        if (!check.Ok) throw new CorruptTransferException($"the assembled copy fails its check ({check.Problem})");
        return Commit(partial, step, manifest);
    }

    /// <summary>Moves the verified copy into the cache: the tokenizer folder first (when new), then the step folder, each by one rename.</summary>
    string Commit(string partial, string step, CheckpointManifest manifest)
    {
        var runFolder = Path.Combine(catalog.CacheDir, manifest.Info.RunId);
        Directory.CreateDirectory(runFolder);
        if (manifest.Info.Tokenizer is { } tokenizer)
        {
            var name = Path.GetFileName(tokenizer.Folder.Replace('\\', '/').TrimEnd('/'));
            var target = Path.Combine(runFolder, name);
            if (!Directory.Exists(target)) Directory.Move(Path.Combine(partial, name), target);
        }
        var final = Path.Combine(runFolder, manifest.Info.FolderName);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);   // a damaged older copy: its hash file did not name this id
        Directory.Move(step, final);
        Durability.SyncDirectory(runFolder);
        Directory.Delete(partial, recursive: true);
        return final;
    }

    /// <summary>Appends the bytes of <paramref name="file"/> not yet on disk, a window of chunks in flight, then checks the whole file's SHA-256.</summary>
    async Task Pull(ICanTell source, string hash, string file, string destination, long size, string? expectedSha256, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var output = new FileStream(destination, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        if (output.Length > size) output.SetLength(0);
        var have = output.Length;
        // Resume: hash what an earlier attempt wrote, then append after it.
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await output.ReadAsync(buffer, ct)) > 0) sha.AppendData(buffer, 0, n);
        output.Seek(have, SeekOrigin.Begin);

        var inFlight = new Queue<Task<ChunkSent>>();
        var next = have;
        while (have < size)
        {
            while (inFlight.Count < _settings.Window && next < size)
            {
                var length = (int)Math.Min(_settings.ChunkBytes, size - next);
                inFlight.Enqueue(source.Ask<ChunkSent>(new ChunkWanted(hash, file, next, length), _settings.Timeout, ct));
                next += length;
            }
            var chunk = await inFlight.Dequeue();
            if (chunk.Problem is not null) throw new CorruptTransferException($"{file}: {chunk.Problem}");
            if (chunk.Offset != have || chunk.Data.Length == 0)
                throw new CorruptTransferException($"{file} ends at {have + chunk.Data.Length:N0} bytes, {size:N0} expected");
            await output.WriteAsync(chunk.Data, ct);
            sha.AppendData(chunk.Data);
            have += chunk.Data.Length;
            BytesFetched += chunk.Data.Length;
        }
        output.Flush(flushToDisk: true);
        if (expectedSha256 is not null && Convert.ToHexStringLower(sha.GetHashAndReset()) != expectedSha256)
        {
            output.SetLength(0);
            throw new CorruptTransferException($"{file} arrived corrupt (its SHA-256 differs from checkpoint.json's); the copy was discarded");
        }
    }

    static string Describe(ICanTell source) => source switch
    {
        ActorSelection s => s.Anchor.Path.Address.ToString(),
        IActorRef r => r.Path.Address.ToString(),
        _ => source.ToString() ?? "a node",
    };

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
