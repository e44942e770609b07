using Akka.Actor;
using Microsoft.Win32.SafeHandles;
using Stlm.Model.Checkpoints;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// Every node's server of the checkpoints it holds ("/user/stlm-checkpoints").
/// Hears <see cref="CheckpointWanted"/> (answers <see cref="CheckpointAvailable"/> or
/// <see cref="CheckpointNotHere"/>), <see cref="ChunkWanted"/> (answers <see cref="ChunkSent"/>
/// with at most the bytes asked for, read from the file at that offset: nothing is held in memory
/// beyond one chunk) and <see cref="ServeCheckpoint"/> from this process. Only the files the
/// checkpoint's manifest lists (and checkpoint.json) are ever read.
/// </summary>
public sealed class CheckpointSourceActor : ReceiveActor
{
    public const string Name = "stlm-checkpoints";

    /// <summary>The most bytes one chunk may ask for (Akka.Remote frames are raised to 4 MiB by <see cref="TransferAkka"/>).</summary>
    public const int MaxChunkBytes = 1024 * 1024;

    sealed record Served(string Folder, IReadOnlyDictionary<string, string> Files);

    readonly CheckpointCatalog _catalog;
    readonly Dictionary<string, Served> _served = new(StringComparer.Ordinal);
    readonly Dictionary<string, SafeFileHandle> _open = new(StringComparer.Ordinal);

    public CheckpointSourceActor(CheckpointCatalog catalog)
    {
        _catalog = catalog;
        Receive<ServeCheckpoint>(s => _catalog.Register(s.Hash, s.Folder));
        Receive<CheckpointWanted>(w => Sender.Tell(Offer(w)));
        Receive<ChunkWanted>(c => Sender.Tell(Read(c)));
    }

    public static Props Props(CheckpointCatalog catalog) => Akka.Actor.Props.Create(() => new CheckpointSourceActor(catalog));

    /// <summary>Where a node's source answers: the same path on every node.</summary>
    public static ActorSelection At(IActorRefFactory context, Address node) =>
        context.ActorSelection(new RootActorPath(node) / "user" / Name);

    protected override void PostStop()
    {
        foreach (var handle in _open.Values) handle.Dispose();
    }

    object Offer(CheckpointWanted w)
    {
        var folder = _catalog.Find(w.Hash, w.JournalPath);
        if (folder is null) return new CheckpointNotHere(w.Hash, "this node has no copy");
        try
        {
            var manifestPath = Path.Combine(folder, CheckpointNames.Manifest);
            var manifest = CheckpointManifest.Parse(File.ReadAllBytes(manifestPath));
            if (manifest.ContentHash() != w.Hash) return new CheckpointNotHere(w.Hash, "this node's copy is damaged (its checkpoint.json does not hash to the journal's id)");
            var files = CheckpointCatalog.FilesOf(manifest).ToDictionary(f => f.Name, f => Path.GetFullPath(Path.Combine(folder, f.Name)), StringComparer.Ordinal);
            files[CheckpointNames.Manifest] = manifestPath;
            _served[w.Hash] = new Served(folder, files);
            return new CheckpointAvailable(w.Hash, new FileInfo(manifestPath).Length);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return new CheckpointNotHere(w.Hash, $"this node's copy cannot be read ({e.Message.ReplaceLineEndings(" ")})");
        }
    }

    ChunkSent Read(ChunkWanted c)
    {
        ChunkSent Problem(string p) => new(c.Hash, c.File, c.Offset, [], p);
        if (!_served.TryGetValue(c.Hash, out var served)) return Problem("ask for the checkpoint first");
        if (!served.Files.TryGetValue(c.File, out var path)) return Problem($"{c.File} is not a file of this checkpoint");
        if (c.Length is <= 0 or > MaxChunkBytes || c.Offset < 0) return Problem($"a chunk is 1 to {MaxChunkBytes} bytes");
        try
        {
            if (!_open.TryGetValue(path, out var handle))
            {
                if (_open.Count >= 32) CloseAll();
                _open[path] = handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            }
            var data = new byte[(int)Math.Min(c.Length, Math.Max(0, RandomAccess.GetLength(handle) - c.Offset))];
            var read = 0;
            while (read < data.Length)
            {
                var n = RandomAccess.Read(handle, data.AsSpan(read), c.Offset + read);
                if (n == 0) break;
                read += n;
            }
            return new ChunkSent(c.Hash, c.File, c.Offset, read == data.Length ? data : data[..read]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CloseAll();
            return Problem(e.Message.ReplaceLineEndings(" "));
        }
    }

    void CloseAll()
    {
        foreach (var handle in _open.Values) handle.Dispose();
        _open.Clear();
    }
}
