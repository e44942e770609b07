using System.Diagnostics;
using System.Text.Json;
using Stlm.Model.Architectures;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>
/// The PyTorch eager reference (llama_reference.py --serve) kept alive beside Stlm's model, so
/// the benchmark can run one step here, one step there: both sides then meet the same load.
/// </summary>
public sealed class TorchReferenceProcess : IDisposable
{
    public const string Python = "/usr/bin/python3";

    readonly Process process;

    TorchReferenceProcess(Process process) => this.process = process;

    /// <summary>Starts the reference and runs its warmup steps; null with a note when it cannot run here.</summary>
    /// <param name="blasThreads">OPENBLAS_NUM_THREADS for the reference; 0 leaves OpenBLAS's own choice.</param>
    /// <param name="precision">bf16-mixed runs the reference's forward under torch.autocast("cpu", bfloat16).</param>
    public static (TorchReferenceProcess? Reference, string? Note) Start(ModelConfig c, int batch, int context, int warmup, int threads,
        int blasThreads, Precision precision)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Bench", "llama_reference.py");
        if (!File.Exists(Python)) return (null, $"{Python} is missing: install Debian's python3-torch for the PyTorch reference");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { script, "--serve", "--n-layers", $"{c.NLayers}", "--d-model", $"{c.DModel}", "--n-heads", $"{c.NHeads}",
                     "--n-kv-heads", $"{c.NKvHeads}", "--ffn-hidden", $"{c.FfnHidden}", "--vocab-size", $"{c.VocabSize}",
                     "--batch", $"{batch}", "--context", $"{context}", "--steps", "0", "--warmup", $"{warmup}", "--threads", $"{threads}" })
            start.ArgumentList.Add(a);
        if (precision == Precision.Bf16Mixed) start.ArgumentList.Add("--autocast-bf16");
        if (blasThreads > 0) start.Environment["OPENBLAS_NUM_THREADS"] = $"{blasThreads}";
        var process = Process.Start(start)!;
        var reference = new TorchReferenceProcess(process);
        if (process.StandardOutput.ReadLine() is null)
        {
            var note = reference.Failure();
            reference.Dispose();
            return (null, note);
        }
        return (reference, null);
    }

    /// <summary>One training step in the reference; its wall time in seconds, as the script measured it.</summary>
    public double Step()
    {
        process.StandardInput.WriteLine("step");
        process.StandardInput.Flush();
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException(Failure());
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("seconds").GetDouble();
    }

    string Failure()
    {
        process.WaitForExit(10_000);
        var last = process.StandardError.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        return $"the PyTorch reference failed ({Python}: {last.Trim()}); is python3-torch installed?";
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.WriteLine("quit");
                process.StandardInput.Flush();
                if (!process.WaitForExit(30_000)) process.Kill();
            }
        }
        catch (IOException)
        {
            // It has gone already: nothing left to stop.
        }
        process.Dispose();
    }
}
