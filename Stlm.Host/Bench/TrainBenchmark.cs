using System.Globalization;
using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.LibTorch;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>What `stlm bench train` measures for one preset.</summary>
public sealed record TrainBenchResult(
    string Preset, long Parameters, int Batch, int Context, int Threads, int BlasThreads, string Precision, string ReferencePrecision, int Pairs,
    double StlmTokensPerSecond, double? TorchTokensPerSecond, double? Ratio, double FlopsPerToken, double MatmulGflops,
    string Load, string? TorchNote)
{
    public double StlmMfu => FlopsPerToken * StlmTokensPerSecond / (MatmulGflops * 1e9);
    public double? TorchMfu => TorchTokensPerSecond is { } t ? FlopsPerToken * t / (MatmulGflops * 1e9) : null;
}

/// <summary>
/// Training tokens/s of a preset through Stlm's <see cref="TrainStep"/> and through the PyTorch
/// eager reference script (same shape, AdamW groups, clipping, batch, threads, libtorch). Both
/// models live side by side and take steps in turns (Stlm first in even pairs, PyTorch first in
/// odd ones), so load from other processes hits both alike; the ratio is the median of the
/// per-pair ratios, the tokens/s the medians of each side's step times. Each side trains in its
/// own precision (Stlm's torch.precision; the reference plain or under torch.autocast bf16), and
/// MFU is against the matmul peak of Stlm's matmul dtype, measured in the same run.
/// </summary>
public static class TrainBenchmark
{
    public static ModelConfig Preset(string name)
    {
        Config preset;
        try { preset = Config.ParseResource($"presets/{name}.conf"); }
        catch (InvalidOperationException) { throw new StlmException($"--preset {name}: no such preset in hocon/presets (llama-tiny-bytes, llama-1m, llama-10m, llama-50m, llama-100m)"); }
        return preset.WithFallback(ConfigLoader.Reference()).Resolve().Bind<ModelConfig>("model");
    }

    /// <param name="blasThreads">OpenBLAS threads on both sides; 0 leaves OpenBLAS's own choice (one per core).</param>
    public static TrainBenchResult Run(string presetName, int batch, int context, int pairs, int warmup, int threads, int blasThreads,
        Precision precision, Precision referencePrecision, TextWriter log, bool fusedHead = true)
    {
        var config = Preset(presetName) with { Dropout = 0 };
        config = config with { ContextLength = Math.Max(config.ContextLength, context) };
        Torch.Threads.IntraOp = threads;
        if (blasThreads > 0) Torch.Threads.Blas = blasThreads;
        var peak = MatmulGflops(threads, precision == Precision.Bf16Mixed ? DType.BFloat16 : DType.Float32);
        var loadBefore = LoadAverage();
        using var stlm = new StlmTrainer(config, batch, context, precision, fusedHead);
        for (var s = 0; s < warmup; s++) stlm.Step();
        var (reference, note) = TorchReferenceProcess.Start(config, batch, context, warmup, threads, blasThreads, referencePrecision);
        if ((precision == Precision.Bf16Mixed ? precision : referencePrecision).SlowOn(Device.Cpu) is { } slow)
            note = (note is null ? "" : note + "; ") + slow;
        var stlmTimes = new List<double>();
        var torchTimes = new List<double>();
        var ratios = new List<double>();
        using (reference)
            for (var i = 0; i < pairs; i++)
            {
                double s, t = double.NaN;
                if (reference is not null && i % 2 == 1)
                {
                    t = reference.Step();
                    s = stlm.Step();
                }
                else
                {
                    s = stlm.Step();
                    if (reference is not null) t = reference.Step();
                }
                stlmTimes.Add(s);
                var line = $"  {presetName} pair {i + 1}: Stlm {batch * context / s:N0} tokens/s";
                if (reference is not null)
                {
                    torchTimes.Add(t);
                    ratios.Add(t / s);
                    line += $", PyTorch {batch * context / t:N0} tokens/s, ratio {t / s:F2}";
                }
                log.WriteLine(line);
            }
        // PaLM's count: 6 per parameter per token (forward + backward) plus attention scores and values.
        var flopsPerToken = 6.0 * stlm.Parameters + 12.0 * config.NLayers * config.DModel * context;
        return new TrainBenchResult(presetName, stlm.Parameters, batch, context, threads, blasThreads, precision.Name(), referencePrecision.Name(), pairs,
            batch * context / Median(stlmTimes), torchTimes.Count > 0 ? batch * context / Median(torchTimes) : null,
            ratios.Count > 0 ? Median(ratios) : null, flopsPerToken, peak, $"{loadBefore} -> {LoadAverage()}", note);
    }

    /// <summary>The 1-minute load average (other processes competing for the cores), from /proc/loadavg.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    /// <summary>The best of a few 1024³ matmuls in <paramref name="dtype"/> through the binding: the machine's achievable peak.</summary>
    public static double MatmulGflops(int threads, DType dtype = DType.Float32)
    {
        Torch.Threads.IntraOp = threads;
        const int n = 1024;
        using var scope = TorchScope.Begin();
        var a = Torch.Randn([n, n]).To(dtype);
        var b = Torch.Randn([n, n]).To(dtype);
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
        "{0} ({1:N0} params, batch {2}x{3}, {4} thread(s), blas {13}, {5} step pairs, load {6}): Stlm {14} {7:N0} tokens/s, PyTorch eager {15} {8}, ratio {9}; MFU Stlm {10:P1}{11} of {12:F0} GFLOP/s {16} matmul peak",
        r.Preset, r.Parameters, r.Batch, r.Context, r.Threads, r.Pairs, r.Load, r.StlmTokensPerSecond,
        r.TorchTokensPerSecond is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) + " tokens/s" : "n/a",
        r.Ratio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a",
        r.StlmMfu, r.TorchMfu is { } m ? string.Format(CultureInfo.InvariantCulture, ", PyTorch {0:P1}", m) : "", r.MatmulGflops,
        r.BlasThreads == 0 ? "default" : r.BlasThreads.ToString(CultureInfo.InvariantCulture), r.Precision, r.ReferencePrecision,
        r.Precision == "float32" ? "f32" : "bf16");
}
