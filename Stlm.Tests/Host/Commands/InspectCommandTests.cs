using System.Text.Json;
using Stlm.Model.LibTorch.Safetensors;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public class InspectCommandTests : IDisposable
{
    readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("stlm-inspect-");

    public void Dispose() => dir.Delete(recursive: true);

    string Write(string name, params SafetensorsEntry[] entries)
    {
        var path = Path.Combine(dir.FullName, name);
        SafetensorsWriter.WriteFile(path, entries, new Dictionary<string, string> { ["format"] = "pt" });
        return path;
    }

    static SafetensorsEntry Zeros(string name, SafetensorsDType dtype, params long[] shape) =>
        SafetensorsEntry.FromBytes(name, dtype, [.. shape], new byte[dtype.ByteCount(shape)!.Value]);

    [Fact]
    public void Inspect_lists_each_tensor_a_total_and_the_metadata()
    {
        var path = Write("model.safetensors", Zeros("tok_emb.weight", SafetensorsDType.F32, 256, 64), Zeros("norm.weight", SafetensorsDType.BF16, 64));
        var r = StlmProcess.Run(dir.FullName, "inspect", path);
        Assert.Equal(0, r.ExitCode);
        var lines = r.StdOut.Split('\n');
        Assert.Contains(lines, l => l.Contains("tok_emb.weight") && l.Contains("F32") && l.Contains("[256, 64]") && l.Contains("65,536"));
        Assert.Contains(lines, l => l.Contains("norm.weight") && l.Contains("BF16") && l.Contains("[64]") && l.Contains("128"));
        Assert.Contains(lines, l => l.Contains("total") && l.Contains("2 tensors") && l.Contains("16,448") && l.Contains("65,664"));
        Assert.Contains(lines, l => l.Trim() == "format = pt");
    }

    [Fact]
    public void Inspect_json_gives_the_tensors_as_data()
    {
        var path = Write("model.safetensors", Zeros("w", SafetensorsDType.I64, 2, 3));
        var r = StlmProcess.Run(dir.FullName, "inspect", path, "--json");
        Assert.Equal(0, r.ExitCode);
        var file = JsonDocument.Parse(r.StdOut).RootElement.GetProperty("files")[0];
        var t = file.GetProperty("tensors")[0];
        Assert.Equal("w", t.GetProperty("name").GetString());
        Assert.Equal("I64", t.GetProperty("dtype").GetString());
        Assert.Equal([2L, 3], t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(48, t.GetProperty("bytes").GetInt64());
        Assert.Equal("pt", file.GetProperty("metadata").GetProperty("format").GetString());
    }

    [Fact]
    public void Inspect_of_a_checkpoint_folder_lists_every_safetensors_file_in_it()
    {
        Write("model.safetensors", Zeros("w", SafetensorsDType.F32, 4));
        Write("optimizer.safetensors", Zeros("w.exp_avg", SafetensorsDType.F32, 4), Zeros("w.exp_avg_sq", SafetensorsDType.F32, 4));
        File.WriteAllText(Path.Combine(dir.FullName, "checkpoint.json"), "{}");
        var r = StlmProcess.Run(dir.FullName, "inspect", dir.FullName, "--json");
        Assert.Equal(0, r.ExitCode);
        var files = JsonDocument.Parse(r.StdOut).RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["model.safetensors", "optimizer.safetensors"], files.Select(f => Path.GetFileName(f.GetProperty("path").GetString())));
        Assert.Equal(2, files[1].GetProperty("tensors").GetArrayLength());
    }

    [Fact]
    public void Inspect_of_a_missing_file_is_one_line_and_a_nonzero_exit()
    {
        var r = StlmProcess.Run(dir.FullName, "inspect", "missing.safetensors");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal("stlm: missing.safetensors: no such file or folder", r.StdErr.Trim());
    }

    [Fact]
    public void Inspect_of_a_corrupt_file_names_the_file_and_the_problem_in_one_line()
    {
        var path = Write("model.safetensors", Zeros("w", SafetensorsDType.F32, 4));
        using (var f = File.OpenWrite(path)) f.SetLength(f.Length - 3);
        var r = StlmProcess.Run(dir.FullName, "inspect", path);
        Assert.NotEqual(0, r.ExitCode);
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line);
        Assert.Contains("holds 13", line);
        Assert.Empty(r.StdOut);
    }
}
