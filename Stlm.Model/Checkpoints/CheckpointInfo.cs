using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stlm.Model.Data;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// What a checkpoint says about the run besides its tensors: which run, how far it got, where
/// its data stream stands, and which configuration and code produced it.
/// </summary>
public sealed record CheckpointInfo(
    string RunId, long Step, long TokensSeen, DataCursor Cursor, string ConfigSha256, string CodeVersion)
{
    /// <summary>
    /// The resolved config text itself (its hash is <see cref="ConfigSha256"/>), so a checkpoint
    /// folder alone is enough to rebuild its model and tokenizer for eval, generate and export.
    /// </summary>
    public string? Config { get; init; }

    /// <summary>The run's tokenizer files kept beside its checkpoints (null for the byte tokenizer and older checkpoints).</summary>
    public CheckpointTokenizer? Tokenizer { get; init; }

    /// <summary>Builds the info, hashing the canonical resolved config text and keeping it.</summary>
    public static CheckpointInfo Create(string runId, long step, long tokensSeen, DataCursor cursor, string resolvedConfigText, string codeVersion) =>
        new(runId, step, tokensSeen, cursor, ConfigHash(resolvedConfigText), codeVersion) { Config = resolvedConfigText };

    /// <summary>SHA-256 (lowercase hex) of the config text as UTF-8, the value a resume compares.</summary>
    public static string ConfigHash(string resolvedConfigText) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(resolvedConfigText)));

    /// <summary>The folder name of the checkpoint at this step, e.g. step-000001200.</summary>
    public string FolderName => CheckpointNames.Folder(Step);
}

/// <summary>One file of a checkpoint as checkpoint.json lists it.</summary>
public sealed record CheckpointFile(string Name, long Bytes, string Sha256)
{
    /// <summary>Writes <paramref name="files"/> as checkpoint.json's array of {name, bytes, sha256}.</summary>
    public static void WriteArray(Utf8JsonWriter w, string property, IEnumerable<CheckpointFile> files)
    {
        w.WriteStartArray(property);
        foreach (var f in files)
        {
            w.WriteStartObject();
            w.WriteString("name", f.Name);
            w.WriteNumber("bytes", f.Bytes);
            w.WriteString("sha256", f.Sha256);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static List<CheckpointFile> ReadArray(JsonElement array) =>
        array.EnumerateArray()
            .Select(f => new CheckpointFile(f.GetProperty("name").GetString()!, f.GetProperty("bytes").GetInt64(), f.GetProperty("sha256").GetString()!))
            .ToList();
}

public static class CheckpointNames
{
    public const string Model = "model.safetensors";
    public const string Optimizer = "optimizer.safetensors";
    public const string Rng = "rng.safetensors";
    public const string Manifest = "checkpoint.json";
    public const string ContentHash = "checkpoint.sha256";
    public const string FolderPrefix = "step-";
    public const string TempPrefix = ".tmp-step-";

    public static string Folder(long step) => $"{FolderPrefix}{step:D9}";

    /// <summary>The step of a folder named like ours (step-NNNNNNNNN), or null.</summary>
    public static long? StepOf(string folderName) =>
        folderName.StartsWith(FolderPrefix, StringComparison.Ordinal) && folderName.Length >= FolderPrefix.Length + 9
        && folderName.AsSpan(FolderPrefix.Length).IndexOfAnyExceptInRange('0', '9') < 0
        && long.TryParse(folderName.AsSpan(FolderPrefix.Length), out var step) ? step : null;
}
