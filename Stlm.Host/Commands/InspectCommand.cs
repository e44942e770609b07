using System.CommandLine;
using System.Text.Json;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch.Safetensors;
using Stlm.Host.Runs;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm inspect FILE|FOLDER [--json]`: the tensors of a safetensors file, or of every
/// safetensors file in a folder (a checkpoint), with their dtypes, shapes and sizes; for a
/// checkpoint also its summary and verification status. `--verify` only checks the hashes of a
/// checkpoint (or of every checkpoint in a folder) and exits non-zero on a corrupt one.
/// </summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("path") { Description = "A .safetensors file, or a folder (a checkpoint) whose .safetensors files to list" };
        var json = SharedOptions.Json;
        var verify = new Option<bool>("--verify") { Description = "Check a checkpoint's (or every checkpoint's in a folder) sizes and SHA-256 hashes; exit non-zero on a corrupt one" };
        var command = new Command("inspect", "List the tensors of a safetensors file or a checkpoint folder") { target, json, verify };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(target)!;
            if (parse.GetValue(verify))
                return CheckpointReport.Verify(Console.Out, CheckpointReport.Targets(path), parse.GetValue(json)) == 0 ? 0 : 1;
            var checkpoint = Directory.Exists(path) && CheckpointReport.IsCheckpoint(path) ? CheckpointVerifier.Check(path) : null;
            var files = Files(path);
            var opened = new List<SafetensorsFile>();
            try
            {
                foreach (var f in files)
                {
                    try { opened.Add(SafetensorsFile.Open(f)); }
                    catch (SafetensorsException) when (checkpoint is { Ok: false }) { throw CheckpointVerifier.Error(checkpoint); }
                }
                if (parse.GetValue(json)) WriteJson(Console.Out, opened, checkpoint);
                else
                {
                    if (checkpoint is not null) CheckpointReport.WriteText(Console.Out, checkpoint);
                    WriteText(Console.Out, opened);
                }
            }
            finally
            {
                foreach (var f in opened) f.Dispose();
            }
            return 0;
        });
        return command;
    }

    static IReadOnlyList<string> Files(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new StlmException($"{path}: no such file or folder");
        var found = Directory.GetFiles(path, "*.safetensors").Order(StringComparer.Ordinal).ToList();
        if (found.Count == 0) throw new StlmException($"{path}: the folder holds no .safetensors file");
        return found;
    }

    static void WriteText(TextWriter o, IReadOnlyList<SafetensorsFile> files)
    {
        foreach (var file in files)
        {
            o.WriteLine($"{file.Source}  ({RunText.Size(file.Length)})");
            var rows = file.Tensors.Select(t => new[] { t.Name, t.DType.Name(), t.ShapeText, $"{t.ElementCount:N0}", $"{t.ByteCount:N0}" }).ToList();
            rows.Insert(0, ["name", "dtype", "shape", "elements", "bytes"]);
            rows.Add(["total", Count(file.Tensors.Length, "tensor"), "", $"{file.Tensors.Sum(t => t.ElementCount):N0}", $"{file.Tensors.Sum(t => t.ByteCount):N0}"]);
            var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows)
            {
                var cells = row.Select((cell, c) => c >= 3 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]));
                o.WriteLine("  " + string.Join("  ", cells).TrimEnd());
            }
            if (file.Metadata.Count > 0)
            {
                o.WriteLine("  metadata:");
                foreach (var (key, value) in file.Metadata)
                    o.WriteLine($"    {key} = {OneLine(value)}");
            }
        }
        if (files.Count > 1)
            o.WriteLine($"all {files.Count} files: {Count(files.Sum(f => f.Tensors.Length), "tensor")}, " +
                        $"{files.Sum(f => f.Tensors.Sum(t => t.ElementCount)):N0} elements, {RunText.Size(files.Sum(f => f.Length))}");
    }

    static void WriteJson(TextWriter o, IReadOnlyList<SafetensorsFile> files, CheckpointVerifier.Result? checkpoint)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (checkpoint is not null)
            {
                w.WritePropertyName("checkpoint");
                CheckpointReport.WriteJson(w, checkpoint);
            }
            w.WriteStartArray("files");
            foreach (var file in files)
            {
                w.WriteStartObject();
                w.WriteString("path", file.Source);
                w.WriteNumber("file_bytes", file.Length);
                w.WriteNumber("tensor_bytes", file.Tensors.Sum(t => t.ByteCount));
                w.WriteNumber("elements", file.Tensors.Sum(t => t.ElementCount));
                w.WriteStartArray("tensors");
                foreach (var t in file.Tensors)
                {
                    w.WriteStartObject();
                    w.WriteString("name", t.Name);
                    w.WriteString("dtype", t.DType.Name());
                    w.WriteStartArray("shape");
                    foreach (var d in t.Shape) w.WriteNumberValue(d);
                    w.WriteEndArray();
                    w.WriteNumber("elements", t.ElementCount);
                    w.WriteNumber("bytes", t.ByteCount);
                    w.WriteStartArray("data_offsets");
                    w.WriteNumberValue(t.Begin);
                    w.WriteNumberValue(t.End);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartObject("metadata");
                foreach (var (key, value) in file.Metadata) w.WriteString(key, value);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>Metadata may hold whole JSON documents; keep each on one line, shortened.</summary>
    static string OneLine(string value)
    {
        var flat = value.ReplaceLineEndings(" ");
        return flat.Length <= 100 ? flat : flat[..97] + "...";
    }

    static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";
}
