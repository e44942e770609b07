using System.Text.Json;
using Stlm.Model;
using Stlm.Model.Checkpoints;

namespace Stlm.Host.Runs;

/// <summary>
/// The checkpoint part of `stlm inspect`: a checkpoint folder's summary (from checkpoint.json)
/// with its verification status, and `--verify` over one checkpoint or a folder of them.
/// </summary>
static class CheckpointReport
{
    public static bool IsCheckpoint(string dir) => File.Exists(Path.Combine(dir, CheckpointNames.Manifest));

    /// <summary>The checkpoints to verify: the folder itself, or the step-N folders in it.</summary>
    public static IReadOnlyList<string> Targets(string path)
    {
        if (!Directory.Exists(path)) throw new StlmException($"{path}: no such folder (--verify takes a checkpoint folder or a folder of checkpoints)");
        if (IsCheckpoint(path)) return [path];
        var found = CheckpointFolders.List(path).Select(l => l.Path).ToList();
        if (found.Count == 0) throw new StlmException($"{path}: holds no checkpoint.json and no step-N checkpoint folders; nothing to verify");
        return found;
    }

    /// <summary>Verifies each target; prints a line (or JSON) per checkpoint; returns the failures.</summary>
    public static int Verify(TextWriter o, IReadOnlyList<string> targets, bool json)
    {
        var results = targets.Select(t => CheckpointVerifier.Check(t)).ToList();
        if (json) WriteJson(o, results);
        else
            foreach (var r in results.Where(r => r.Ok))
                o.WriteLine($"checkpoint {r.Name}: ok (step {r.Manifest!.Info.Step}, content sha256 {r.ContentHash}, {r.Manifest.Files.Count} files, {RunText.Size(r.Manifest.Files.Sum(f => f.Bytes))})");
        var bad = results.FirstOrDefault(r => !r.Ok);
        if (bad is not null && !json) throw CheckpointVerifier.Error(bad);
        return results.Count(r => !r.Ok);
    }

    public static void WriteText(TextWriter o, CheckpointVerifier.Result r)
    {
        if (r.Manifest is not { } m)
        {
            o.WriteLine($"checkpoint {r.Name}: verification FAILED: {r.Problem}");
            return;
        }
        var i = m.Info;
        o.WriteLine($"checkpoint {r.Name}  (run {i.RunId})");
        o.WriteLine($"  step {i.Step:N0}, tokens seen {i.TokensSeen:N0}, data cursor {i.Cursor}");
        o.WriteLine($"  config sha256 {i.ConfigSha256}");
        o.WriteLine($"  code version {i.CodeVersion}, created {m.CreatedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        if (m.Optimizer is { } opt)
            o.WriteLine($"  optimizer {opt.Kind}, {opt.Groups.Count} group(s), lr {string.Join(", ", opt.Groups.Select(g => g.Lr))}, steps {opt.Steps.DefaultIfEmpty().Max()}");
        o.WriteLine($"  content sha256 {r.ContentHash}");
        o.WriteLine(r.Ok ? "  verification: ok" : $"  verification: FAILED: {r.Problem}");
    }

    public static void WriteJson(Utf8JsonWriter w, CheckpointVerifier.Result r)
    {
        w.WriteStartObject();
        w.WriteString("name", r.Name);
        w.WriteString("path", r.Path);
        w.WriteBoolean("ok", r.Ok);
        if (r.Problem is null) w.WriteNull("problem");
        else w.WriteString("problem", r.Problem);
        if (r.Manifest is { } m)
        {
            w.WriteString("run_id", m.Info.RunId);
            w.WriteNumber("step", m.Info.Step);
            w.WriteNumber("tokens_seen", m.Info.TokensSeen);
            w.WriteStartObject("data_cursor");
            w.WriteNumber("epoch", m.Info.Cursor.Epoch);
            w.WriteNumber("position", m.Info.Cursor.Position);
            w.WriteEndObject();
            w.WriteString("config_sha256", m.Info.ConfigSha256);
            w.WriteString("code_version", m.Info.CodeVersion);
            w.WriteString("content_sha256", r.ContentHash);
            w.WriteString("created_utc", m.CreatedUtc.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"));
            CheckpointFile.WriteArray(w, "files", m.Files);
        }
        w.WriteEndObject();
    }

    static void WriteJson(TextWriter o, IReadOnlyList<CheckpointVerifier.Result> results)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("checkpoints");
            foreach (var r in results) WriteJson(w, r);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
