using System.Security.Cryptography;
using System.Text.Json;
using Stlm.Model.Data;
using Stlm.Model.LibTorch.Optim;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// checkpoint.json: the checkpoint's info, its optimizer record (kind, every group's
/// hyperparameters, step counts) and each tensor file's size and SHA-256. It is written in one
/// canonical form; the content hash — the checkpoint's id — is the SHA-256 of that form without
/// the creation time, so the same state saved twice has the same id.
/// </summary>
public sealed record CheckpointManifest(
    CheckpointInfo Info, OptimizerRecord? Optimizer, IReadOnlyList<CheckpointFile> Files, DateTimeOffset CreatedUtc)
{
    public const int FormatVersion = 1;
    const string Format = "stlm-checkpoint";

    public byte[] ToJsonBytes() => Encode(includeCreated: true);

    /// <summary>The checkpoint's id: lowercase hex SHA-256 of the canonical content.</summary>
    public string ContentHash() => Convert.ToHexStringLower(SHA256.HashData(Encode(includeCreated: false)));

    byte[] Encode(bool includeCreated)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteNumber("format_version", FormatVersion);
            w.WriteString("run_id", Info.RunId);
            w.WriteNumber("step", Info.Step);
            w.WriteNumber("tokens_seen", Info.TokensSeen);
            w.WriteStartObject("data_cursor");
            w.WriteNumber("epoch", Info.Cursor.Epoch);
            w.WriteNumber("position", Info.Cursor.Position);
            w.WriteEndObject();
            w.WriteString("config_sha256", Info.ConfigSha256);
            w.WriteString("code_version", Info.CodeVersion);
            if (Info.Config is not null) w.WriteString("config", Info.Config);
            if (Info.Tokenizer is { } tokenizer) WriteTokenizer(w, tokenizer);
            w.WritePropertyName("optimizer");
            if (Optimizer is null) w.WriteNullValue();
            else w.WriteRawValue(Optimizer.ToJson());
            CheckpointFile.WriteArray(w, "files", Files.OrderBy(f => f.Name, StringComparer.Ordinal));
            if (includeCreated) w.WriteString("created_utc", CreatedUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    static void WriteTokenizer(Utf8JsonWriter w, CheckpointTokenizer tokenizer)
    {
        w.WriteStartObject("tokenizer");
        w.WriteString("spec", tokenizer.Spec);
        w.WriteString("folder", tokenizer.Folder);
        CheckpointFile.WriteArray(w, "files", tokenizer.Files);
        w.WriteEndObject();
    }

    static CheckpointTokenizer ReadTokenizer(JsonElement t) => new(
        t.GetProperty("spec").GetString()!, t.GetProperty("folder").GetString()!,
        CheckpointFile.ReadArray(t.GetProperty("files")));

    /// <summary>Parses checkpoint.json; any problem is a FormatException saying what is wrong.</summary>
    public static CheckpointManifest Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var r = doc.RootElement;
            if (r.GetProperty("format").GetString() != Format) throw new FormatException($"its format is not '{Format}'");
            var version = r.GetProperty("format_version").GetInt32();
            if (version != FormatVersion)
                throw new FormatException($"it has format version {version}, this build reads version {FormatVersion}");
            var cursor = r.GetProperty("data_cursor");
            var info = new CheckpointInfo(
                r.GetProperty("run_id").GetString()!, r.GetProperty("step").GetInt64(), r.GetProperty("tokens_seen").GetInt64(),
                new DataCursor(cursor.GetProperty("epoch").GetInt64(), cursor.GetProperty("position").GetInt64()),
                r.GetProperty("config_sha256").GetString()!, r.GetProperty("code_version").GetString()!)
            {
                Config = r.TryGetProperty("config", out var config) ? config.GetString() : null,
                Tokenizer = r.TryGetProperty("tokenizer", out var tokenizer) ? ReadTokenizer(tokenizer) : null,
            };
            if (info.Config is not null && CheckpointInfo.ConfigHash(info.Config) != info.ConfigSha256)
                throw new FormatException("its config does not hash to its config_sha256");
            var optimizer = r.GetProperty("optimizer");
            var files = CheckpointFile.ReadArray(r.GetProperty("files"));
            return new CheckpointManifest(
                info, optimizer.ValueKind == JsonValueKind.Null ? null : OptimizerRecord.FromJson(optimizer.GetRawText()), files,
                DateTimeOffset.Parse(r.GetProperty("created_utc").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or StlmException or ArgumentException)
        {
            throw new FormatException(e.Message, e);
        }
    }
}
