namespace Stlm.Model.Checkpoints;

/// <summary>
/// Checks a checkpoint folder before use: checkpoint.json parses, its content hash matches
/// checkpoint.sha256 (and the id the caller expects), and every listed file exists with the
/// listed size and SHA-256. The first problem becomes one line naming the checkpoint and file.
/// </summary>
public static class CheckpointVerifier
{
    /// <summary>What the check found: the manifest and content hash when readable, and the first problem (null when sound).</summary>
    public sealed record Result(string Path, CheckpointManifest? Manifest, string? ContentHash, string? Problem)
    {
        public bool Ok => Problem is null;
        public string Name => System.IO.Path.GetFileName(Path);
    }

    /// <param name="filesHashed">the caller hashed every file against the manifest as it wrote it (a checkpoint transfer): only presence and sizes are checked here</param>
    public static Result Check(string dir, string? expectedContentHash = null, bool filesHashed = false)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        Result Fail(string problem) => new(full, null, null, problem);
        if (!Directory.Exists(full)) return Fail("no such folder");

        var manifestPath = Path.Combine(full, CheckpointNames.Manifest);
        if (!File.Exists(manifestPath)) return Fail($"{CheckpointNames.Manifest} is missing");
        CheckpointManifest manifest;
        try { manifest = CheckpointManifest.Parse(File.ReadAllBytes(manifestPath)); }
        catch (FormatException e) { return Fail($"{CheckpointNames.Manifest} is corrupt ({e.Message})"); }

        var hashPath = Path.Combine(full, CheckpointNames.ContentHash);
        if (!File.Exists(hashPath)) return Fail($"{CheckpointNames.ContentHash} is missing");
        var stored = File.ReadAllText(hashPath).Trim();
        var hash = manifest.ContentHash();
        if (stored != hash) return Fail($"{CheckpointNames.Manifest} is corrupt (content hash mismatch: {CheckpointNames.ContentHash} says {Short(stored)}, the content hashes to {Short(hash)})");
        if (expectedContentHash is not null && expectedContentHash != hash)
            return Fail($"is not the checkpoint the journal names (content hash {Short(hash)}, expected {Short(expectedContentHash)})");

        // From here on the summary is known; a bad file keeps it for `stlm inspect` to show.
        Result Bad(string problem) => new(full, manifest, hash, problem);
        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(full, file.Name);
            if (Path.GetDirectoryName(path) != full) return Bad($"{CheckpointNames.Manifest} lists a file outside the folder ('{file.Name}')");
            if (!File.Exists(path)) return Bad($"{file.Name} is missing");
            var length = new FileInfo(path).Length;
            if (length != file.Bytes) return Bad($"{file.Name} is {(length < file.Bytes ? "truncated" : "corrupt")} ({length:N0} bytes, {file.Bytes:N0} expected)");
            if (!filesHashed && HashingStream.Sha256OfFile(path) != file.Sha256) return Bad($"{file.Name} is corrupt (sha256 mismatch)");
        }
        return new Result(full, manifest, hash, null);
    }

    /// <summary>The one-line error for a failed check, with what the user can do.</summary>
    public static StlmException Error(Result result) => new(
        $"checkpoint {result.Name}: {result.Problem}; it cannot be resumed from — choose an earlier one with 'stlm inspect --verify {Path.GetDirectoryName(result.Path)}' ({result.Path})");

    static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;
}
