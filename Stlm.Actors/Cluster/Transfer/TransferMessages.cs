using MessagePack;

namespace Stlm.Actors.Cluster.Transfer;

// The checkpoint transfer protocol between nodes (MessagePack, ClusterMessageSerializer):
// a node that lacks a committed checkpoint asks another node's CheckpointSourceActor
// ("/user/stlm-checkpoints") for it by the content hash the journal names, then for each file it
// is given a one-time token and reads the bytes over one plain TCP stream from that node's
// CheckpointStreamServer, not through Akka (CheckpointFetcher). Files are named relative to the
// checkpoint's folder: "checkpoint.json", "model.safetensors", "../tokenizer-<id>/vocab.json".

/// <summary>Has this node the checkpoint <paramref name="Hash"/>? <paramref name="JournalPath"/>: where the journal says it was written.</summary>
[MessagePackObject]
public sealed record CheckpointWanted([property: Key("hash")] string Hash, [property: Key("path")] string JournalPath);

/// <summary>Yes: its checkpoint.json is <paramref name="ManifestBytes"/> long (fetch it first, then the files it lists).</summary>
[MessagePackObject]
public sealed record CheckpointAvailable([property: Key("hash")] string Hash, [property: Key("manifest_bytes")] long ManifestBytes);

/// <summary>No, and why.</summary>
[MessagePackObject]
public sealed record CheckpointNotHere([property: Key("hash")] string Hash, [property: Key("reason")] string Reason);

/// <summary>Bytes from <paramref name="Offset"/> to the end of one of the checkpoint's files: where to stream them from (the answer is <see cref="FileOffered"/>).</summary>
[MessagePackObject]
public sealed record FileWanted([property: Key("hash")] string Hash, [property: Key("file")] string File, [property: Key("offset")] long Offset);

/// <summary>
/// Connect to <paramref name="Host"/>:<paramref name="Port"/> (the node's <see cref="CheckpointStreamServer"/>) with
/// <paramref name="Token"/>, once, to read the <paramref name="Bytes"/> bytes after the offset asked for;
/// <paramref name="Problem"/> (and no token) when they cannot be served.
/// </summary>
[MessagePackObject]
public sealed record FileOffered([property: Key("hash")] string Hash, [property: Key("file")] string File, [property: Key("offset")] long Offset,
    [property: Key("bytes")] long Bytes, [property: Key("host")] string Host, [property: Key("port")] int Port, [property: Key("token")] string Token,
    [property: Key("problem")] string? Problem = null);

/// <summary>Local: serve the checkpoint in <paramref name="Folder"/> under its hash (a folder outside the data folder, e.g. named on the command line).</summary>
public sealed record ServeCheckpoint(string Hash, string Folder);
