using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>What `stlm bench train` measures for one preset.</summary>
public sealed record TrainBenchResult(
    string Preset, long Parameters, int Batch, int Context, int Threads,
    double StlmTokensPerSecond, double? TorchTokensPerSecond, double FlopsPerToken, double MatmulGflops, string? TorchNote)
{
    public double? Ratio => TorchTokensPerSecond is { } t && t > 0 ? StlmTokensPerSecond / t : null;
    public double StlmMfu => FlopsPerToken * StlmTokensPerSecond / (MatmulGflops * 1e9);
    public double? TorchMfu => TorchTokensPerSecond is { } t ? FlopsPerToken * t / (MatmulGflops * 1e9) : null;
}

/// <summary>
/// Training tokens/s of a preset through Stlm's <see cref="TrainStep"/> and through the PyTorch
/// eager reference script (same shape, AdamW groups, clipping, batch, threads, libtorch), in
/// alternating rounds so load on the machine hits both sides alike; medians of per-step times.
/// </summary>
public static class TrainBenchmark
{
    public const string Python = "/usr/bin/python3";

    public static ModelConfig Preset(string name)
    {
        Config preset;
        try { preset = Config.ParseResource($"presets/{name}.conf"); }
        catch (InvalidOperationException) { throw new StlmException($"--preset {name}: no such preset in hocon/presets (llama-1m, llama-10m, llama-50m, llama-100m)"); }
        return preset.WithFallback(ConfigLoader.Reference()).Resolve().Bind<ModelConfig>("model");
    }

    public static TrainBenchResult Run(string presetName, int batch, int context, int steps, int warmup, int rounds, int threads, TextWriter log)
    {
        var config = Preset(presetName) with { Dropout = 0 };
        config = config with { ContextLength = Math.Max(config.ContextLength, context) };
        Torch.Threads.IntraOp = threads;
        var peak = MatmulGflops(threads);
        var stlmTimes = new List<double>();
        var torchTimes = new List<double>();
        string? torchNote = null;
        long parameters = 0;
        for (var round = 0; round < rounds; round++)
        {
            var (times, count) = StlmSteps(config, batch, context, steps, warmup);
            stlmTimes.AddRange(times);
            parameters = count;
            log.WriteLine($"  {presetName} round {round + 1}: Stlm {batch * context / Median(times):N0} tokens/s");
            if (torchNote is null)
            {
                var (pyTimes, note) = TorchSteps(config, batch, context, steps, warmup, threads);
                torchNote = note;
                if (pyTimes is not null)
                {
                    torchTimes.AddRange(pyTimes);
                    log.WriteLine($"  {presetName} round {round + 1}: PyTorch {batch * context / Median(pyTimes):N0} tokens/s");
                }
            }
        }
        // PaLM's count: 6 per parameter per token (forward + backward) plus attention scores and values.
        var flopsPerToken = 6.0 * parameters + 12.0 * config.NLayers * config.DModel * context;
        return new TrainBenchResult(presetName, parameters, batch, context, threads,
            batch * context / Median(stlmTimes), torchTimes.Count > 0 ? batch * context / Median(torchTimes) : null,
            flopsPerToken, peak, torchNote);
    }

    static (List<double> Times, long Parameters) StlmSteps(ModelConfig config, int batch, int context, int steps, int warmup)
    {
        Torch.ManualSeed(0);
        var llama = new LlamaForCausalLM(config, 0);
        using var optimizer = TrainStep.AdamWFor(llama, new Model.LibTorch.Optim.AdamWOptions(Lr: 6e-4, Beta2: 0.95, WeightDecay: 0.1));
        var step = new TrainStep(CausalLanguageModel.Of(llama), optimizer, new TrainStepOptions(1, 1.0));
        var random = new Random(1);
        var times = new List<double>();
        var policy = new EarlyExitPolicy([], []);
        for (var s = 0; s < warmup + steps; s++)
        {
            var ids = new long[batch * (context + 1)];
            for (var i = 0; i < ids.Length; i++) ids[i] = random.Next(config.VocabSize);
            var inputs = new long[batch * context];
            var targets = new long[batch * context];
            for (var r = 0; r < batch; r++)
            {
                Array.Copy(ids, r * (context + 1), inputs, r * context, context);
                Array.Copy(ids, r * (context + 1) + 1, targets, r * context, context);
            }
            var result = step.Run(new ScheduleValues(s, 6e-4, 0, policy), [new MicroBatch(batch, context, inputs, targets)]);
            if (s >= warmup) times.Add(result.Elapsed.TotalSeconds);
        }
        return (times, llama.CountParameters().Total);
    }

    static (List<double>? Times, string? Note) TorchSteps(ModelConfig c, int batch, int context, int steps, int warmup, int threads)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Bench", "llama_reference.py");
        if (!File.Exists(Python)) return (null, $"{Python} is missing: install Debian's python3-torch for the PyTorch reference");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--n-layers", $"{c.NLayers}", "--d-model", $"{c.DModel}", "--n-heads", $"{c.NHeads}",
                     "--n-kv-heads", $"{c.NKvHeads}", "--ffn-hidden", $"{c.FfnHidden}", "--vocab-size", $"{c.VocabSize}",
                     "--batch", $"{batch}", "--context", $"{context}", "--steps", $"{steps}", "--warmup", $"{warmup}", "--threads", $"{threads}" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            return (null, $"the PyTorch reference failed ({Python}: {last.Trim()}); is python3-torch installed?");
        }
        using var json = JsonDocument.Parse(stdout.Result);
        return (json.RootElement.GetProperty("step_seconds").EnumerateArray().Select(e => e.GetDouble()).ToList(), null);
    }

    /// <summary>The best of a few 1024³ f32 matmuls through the binding: the machine's achievable peak.</summary>
    public static double MatmulGflops(int threads)
    {
        Torch.Threads.IntraOp = threads;
        const int n = 1024;
        using var a = Torch.Randn([n, n]);
        using var b = Torch.Randn([n, n]);
        NativeBench.MatMul(a, b, 2);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++) best = Math.Min(best, NativeBench.MatMul(a, b, 4) / 4);
        return 2.0 * n * n * n / best / 1e9;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static string Format(TrainBenchResult r) => string.Format(CultureInfo.InvariantCulture,
        "{0} ({1:N0} params, batch {2}x{3}, {4} thread(s)): Stlm {5:N0} tokens/s, PyTorch eager {6}, ratio {7} (goal >= 1.10); MFU Stlm {8:P1}{9} of {10:F0} GFLOP/s matmul peak",
        r.Preset, r.Parameters, r.Batch, r.Context, r.Threads, r.StlmTokensPerSecond,
        r.TorchTokensPerSecond is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) + " tokens/s" : "n/a",
        r.Ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a",
        r.StlmMfu, r.TorchMfu is { } m ? string.Format(CultureInfo.InvariantCulture, ", PyTorch {0:P1}", m) : "", r.MatmulGflops);
}
