using MessagePack;

namespace Stlm.Actors.Cluster.Transfer;

// The checkpoint transfer protocol between nodes (MessagePack, ClusterMessageSerializer):
// a node that lacks a committed checkpoint asks another node's CheckpointSourceActor
// ("/user/stlm-checkpoints") for it by the content hash the journal names, then pulls its files
// in chunks, a bounded number in flight (CheckpointFetcher). Files are named relative to the
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

/// <summary>Bytes [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Length"/>) of one of the checkpoint's files.</summary>
[MessagePackObject]
public sealed record ChunkWanted([property: Key("hash")] string Hash, [property: Key("file")] string File,
    [property: Key("offset")] long Offset, [property: Key("length")] int Length);

/// <summary>The bytes asked for (fewer at the file's end); <paramref name="Problem"/> when they cannot be read.</summary>
[MessagePackObject]
public sealed record ChunkSent([property: Key("hash")] string Hash, [property: Key("file")] string File,
    [property: Key("offset")] long Offset, [property: Key("data")] byte[] Data, [property: Key("problem")] string? Problem = null);

/// <summary>Local: serve the checkpoint in <paramref name="Folder"/> under its hash (a folder outside the data folder, e.g. named on the command line).</summary>
public sealed record ServeCheckpoint(string Hash, string Folder);
