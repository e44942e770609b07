using Akka.Actor;
using Stlm.Model.Checkpoints;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// Every node's server of the checkpoints it holds ("/user/stlm-checkpoints").
/// Hears <see cref="CheckpointWanted"/> (answers <see cref="CheckpointAvailable"/> or
/// <see cref="CheckpointNotHere"/>), <see cref="FileWanted"/> (answers <see cref="FileOffered"/>: a
/// one-time token for the file's remaining bytes on this node's <see cref="CheckpointStreamServer"/>,
/// which streams them outside Akka) and <see cref="ServeCheckpoint"/> from this process. Only the
/// files the checkpoint's manifest lists (and checkpoint.json) are ever offered.
/// </summary>
public sealed class CheckpointSourceActor : ReceiveActor
{
    public const string Name = "stlm-checkpoints";

    sealed record Served(string Folder, IReadOnlyDictionary<string, string> Files);

    readonly CheckpointCatalog _catalog;
    readonly CheckpointStreamServer _streams;
    readonly Dictionary<string, Served> _served = new(StringComparer.Ordinal);

    public CheckpointSourceActor(CheckpointCatalog catalog, CheckpointStreamServer streams)
    {
        (_catalog, _streams) = (catalog, streams);
        Receive<ServeCheckpoint>(s => _catalog.Register(s.Hash, s.Folder));
        Receive<CheckpointWanted>(w => Sender.Tell(Offer(w)));
        Receive<FileWanted>(f => Sender.Tell(Stream(f)));
    }

    public static Props Props(CheckpointCatalog catalog, CheckpointStreamServer streams) =>
        Akka.Actor.Props.Create(() => new CheckpointSourceActor(catalog, streams));

    /// <summary>Where a node's source answers: the same path on every node.</summary>
    public static ActorSelection At(IActorRefFactory context, Address node) =>
        context.ActorSelection(new RootActorPath(node) / "user" / Name);

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

    FileOffered Stream(FileWanted f)
    {
        FileOffered Problem(string p) => new(f.Hash, f.File, f.Offset, 0, "", 0, "", p);
        if (!_served.TryGetValue(f.Hash, out var served)) return Problem("ask for the checkpoint first");
        if (!served.Files.TryGetValue(f.File, out var path)) return Problem($"{f.File} is not a file of this checkpoint");
        try
        {
            var length = new FileInfo(path).Length;
            if (f.Offset < 0 || f.Offset > length) return Problem($"{f.File} is {length:N0} bytes here: no byte {f.Offset:N0} to start from");
            return new FileOffered(f.Hash, f.File, f.Offset, length - f.Offset, _streams.Host, _streams.Port, _streams.Grant(path, f.Offset, length - f.Offset));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Problem(e.Message.ReplaceLineEndings(" "));
        }
    }
}
