using System.Net.Sockets;
using System.Security.Cryptography;
using Akka.Actor;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch.Safetensors;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// Brings a committed checkpoint this node lacks into its cache from a node that has it.
/// checkpoint.json comes first and must hash to the id the journal names; then every file it
/// lists (and its tokenizer copy). Akka only negotiates each file (<see cref="FileWanted"/>: its
/// size and a one-time token); its bytes come over one TCP stream from the source's
/// <see cref="CheckpointStreamServer"/>, through two buffers of <see cref="TransferSettings.BufferBytes"/>,
/// appended to a file under the cache's partial folder and hashed as they arrive, so a transfer
/// holds two buffers in memory however large the checkpoint is. A source that dies, cuts the
/// stream or stays silent for <see cref="TransferSettings.Timeout"/> is left for the next one, which
/// resumes each file from the bytes already written (files are named by content, so any holder's
/// bytes are the same).
/// A file whose SHA-256 differs is deleted and the transfer fails over; only a copy that
/// <see cref="CheckpointVerifier"/> passes is renamed into the cache.
/// </summary>
public sealed class CheckpointFetcher(CheckpointCatalog catalog, TransferSettings? settings = null)
{
    readonly TransferSettings _settings = settings ?? new TransferSettings();

    /// <summary>A source sent bytes that do not hash to what the manifest (or the journal) names.</summary>
    sealed class CorruptTransferException(string message) : Exception(message);

    /// <summary>A source's stream ended early, broke or fell silent: the bytes written so far are kept for the next source.</summary>
    sealed class SourceCutException(string message) : Exception(message);

    /// <summary>Bytes received so far in this call (for progress and the bench).</summary>
    public long BytesFetched { get; private set; }

    /// <summary>Told after each buffer is received: the file (as the manifest names it) and how many of its bytes have arrived.</summary>
    public Action<string, long>? Progress { get; init; }

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
            catch (Exception e) when (e is CorruptTransferException or SourceCutException)
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

    /// <summary>Appends the bytes of <paramref name="file"/> not yet on disk, streamed from the source's listener, then checks the whole file's SHA-256.</summary>
    async Task Pull(ICanTell source, string hash, string file, string destination, long size, string? expectedSha256, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var output = new FileStream(destination, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        if (output.Length > size) output.SetLength(0);
        var have = output.Length;
        byte[][] buffers = [new byte[_settings.BufferBytes], new byte[_settings.BufferBytes]];
        // Resume: hash what an earlier attempt wrote, then append after it.
        int n;
        while ((n = await output.ReadAsync(buffers[0], ct)) > 0) sha.AppendData(buffers[0], 0, n);
        output.Seek(have, SeekOrigin.Begin);

        if (have < size)
        {
            var offer = await source.Ask<FileOffered>(new FileWanted(hash, file, have), _settings.Timeout, ct);
            if (offer.Problem is not null) throw new CorruptTransferException($"{file}: {offer.Problem}");
            if (offer.Offset + offer.Bytes != size)
                throw new CorruptTransferException($"{file} is {offer.Offset + offer.Bytes:N0} bytes there, {size:N0} expected");
            have = await Stream(offer, output, sha, buffers, have, ct);
            if (have < size) throw new SourceCutException($"{file}'s stream from {offer.Host}:{offer.Port} ended at {have:N0} of {size:N0} bytes");
        }
        output.Flush(flushToDisk: true);
        if (expectedSha256 is not null && Convert.ToHexStringLower(sha.GetHashAndReset()) != expectedSha256)
        {
            output.SetLength(0);
            throw new CorruptTransferException($"{file} arrived corrupt (its SHA-256 differs from checkpoint.json's); the copy was discarded");
        }
    }

    /// <summary>Reads the offered bytes from the source's listener into <paramref name="output"/> and the hash, through <paramref name="buffers"/>; returns how many of the file's bytes are on disk.</summary>
    async Task<long> Stream(FileOffered offer, FileStream output, IncrementalHash sha, byte[][] buffers, long have, CancellationToken ct)
    {
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        quiet.CancelAfter(_settings.Timeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(offer.Host, offer.Port, quiet.Token);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(CheckpointStreamServer.Request(offer.Token), quiet.Token);
            var answer = new byte[1];
            if (await stream.ReadAsync(answer, quiet.Token) == 0 || answer[0] != CheckpointStreamServer.Accepted)
                throw new SourceCutException($"{offer.File}: {offer.Host}:{offer.Port} refused the stream");
            // Two buffers: the socket fills one while the other is hashed and written, the hash and the write side by side
            // on pool threads. With one buffer doing all three in turn the fetch ran at 0.42x a local copy on a quiet machine.
            var end = offer.Offset + offer.Bytes;
            var stored = Task.CompletedTask;
            try
            {
                for (var i = 0; have < end; i ^= 1)
                {
                    quiet.CancelAfter(_settings.Timeout);
                    var chunk = buffers[i];
                    var want = (int)Math.Min(chunk.Length, end - have);
                    var n = await stream.ReadAtLeastAsync(chunk.AsMemory(0, want), want, throwOnEndOfStream: false, quiet.Token);
                    await stored;
                    if (n == 0) break;
                    stored = Store(chunk, n, have, output, sha);
                    have += n;
                    BytesFetched += n;
                    Progress?.Invoke(offer.File, have);
                }
            }
            finally
            {
                // The caller closes the file and the hash next: never with a store still running on them.
                await Task.WhenAny(stored);
            }
            await stored;
            return have;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SourceCutException($"{offer.File}: {offer.Host}:{offer.Port} sent nothing for {_settings.Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException { InnerException: SocketException })
        {
            throw new SourceCutException($"{offer.File}: the stream from {offer.Host}:{offer.Port} broke ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    /// <summary>Hashes and appends bytes [0, <paramref name="count"/>) of <paramref name="chunk"/> at <paramref name="at"/>, and starts their writeback so the final fsync has little left.</summary>
    static Task Store(byte[] chunk, int count, long at, FileStream output, IncrementalHash sha) => Task.WhenAll(
        Task.Run(() => sha.AppendData(chunk, 0, count)),
        Task.Run(() =>
        {
            output.Write(chunk, 0, count);
            Durability.StartWriteback(output.SafeFileHandle, at, count);
        }));

    static string Describe(ICanTell source) => source switch
    {
        ActorSelection s => s.Anchor.Path.Address.ToString(),
        IActorRef r => r.Path.Address.ToString(),
        _ => source.ToString() ?? "a node",
    };

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
