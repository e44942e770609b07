namespace Stlm.Model.Data;

/// <summary>What to tokenise and how. Inputs are read in order as one corpus.</summary>
public sealed record PrepareOptions(
    IReadOnlyList<string> Inputs,
    CorpusFormat Format = CorpusFormat.TinyStories,
    string JsonField = "text",
    double HeldOutFraction = 0.01,
    long ShardTokens = 100_000_000,
    int Parallelism = 0)
{
    /// <summary>Characters of text handed to one tokenising task at a time.</summary>
    public int ChunkChars { get; init; } = 1 << 20;

    public int Workers => Parallelism > 0 ? Parallelism : Environment.ProcessorCount;
}

/// <summary>Progress of a prepare run: the phase ("hashing", "tokenising", "verifying") and source bytes done of total.</summary>
public sealed record PrepareProgress(string Phase, long BytesDone, long BytesTotal, long Tokens);

/// <summary>The manifest written (or found up to date) and whether the existing shards were reused.</summary>
public sealed record PrepareResult(ShardManifest Manifest, bool Reused, TimeSpan Elapsed);
