using System.CommandLine;
using System.Text.Json;
using Stlm.Host.CommandLine;
using Stlm.Model;
using Stlm.Model.Training;

namespace Stlm.Host.Bench;

/// <summary>`stlm bench train`: training tokens/s of the presets, Stlm vs PyTorch eager on the same libtorch, with MFU.</summary>
public static class BenchTrainCommand
{
    public static Command Create()
    {
        var presets = new Option<string[]>("--preset") { Description = "Presets to measure (repeatable)", DefaultValueFactory = _ => ["llama-1m", "llama-10m", "llama-50m"], AllowMultipleArgumentsPerToken = true };
        var steps = new Option<int>("--steps") { Description = "Measured step pairs (one Stlm step and one PyTorch step, in turns)", DefaultValueFactory = _ => 6 };
        var batch = new Option<int>("--batch") { Description = "Sequences per step", DefaultValueFactory = _ => 8 };
        var context = new Option<int>("--context") { Description = "Tokens per sequence", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads on both sides", DefaultValueFactory = _ => 1 };
        // Both default to what training uses (reference.conf torch.threads / torch.blas-threads), so the bench times a real run.
        var blas = new Option<int>("--blas-threads") { Description = "OpenBLAS threads on both sides (0 = OpenBLAS's own choice, one per core)", DefaultValueFactory = _ => 1 };
        var precision = new Option<string>("--precision") { Description = $"Stlm's torch.precision: {Precisions.Names}", DefaultValueFactory = _ => "float32" };
        var referencePrecision = new Option<string>("--reference-precision") { Description = $"The reference's: float32, or bf16-mixed for torch.autocast(\"cpu\", torch.bfloat16)", DefaultValueFactory = _ => "float32" };
        var unfused = new Option<bool>("--unfused-head") { Description = "Diagnostic: Stlm's loss through the full logits (no fused head), to see what fusing gains" };
        var json = SharedOptions.Json;
        var command = new Command("train", "Training tokens/s of the presets vs PyTorch eager (same libtorch), with MFU against the measured matmul peak")
            { presets, steps, batch, context, threads, blas, precision, referencePrecision, unfused, json };
        command.SetAction(parse =>
        {
            var (s, b, c, t) = (parse.GetValue(steps), parse.GetValue(batch), parse.GetValue(context), parse.GetValue(threads));
            if (s < 1 || b < 1 || c < 2 || t < 1)
                throw new StlmException("--steps, --batch and --threads must be at least 1 and --context at least 2");
            if (parse.GetValue(blas) < 0) throw new StlmException("--blas-threads must be 0 (OpenBLAS's own choice) or more");
            var ours = PrecisionOption(parse.GetValue(precision)!, "--precision");
            var theirs = PrecisionOption(parse.GetValue(referencePrecision)!, "--reference-precision");
            var log = parse.GetValue(json) ? TextWriter.Null : Console.Error;
            var results = new List<TrainBenchResult>();
            foreach (var preset in parse.GetValue(presets)!)
            {
                var result = TrainBenchmark.Run(preset, b, c, s, warmup: 1, t, parse.GetValue(blas), ours, theirs, log, fusedHead: !parse.GetValue(unfused));
                results.Add(result);
                if (!parse.GetValue(json))
                {
                    Console.Out.WriteLine(TrainBenchmark.Format(result));
                    if (result.TorchNote is { } note) Console.Out.WriteLine($"  note: {note}");
                }
            }
            if (parse.GetValue(json))
                Console.Out.WriteLine(JsonSerializer.Serialize(results.Select(x => new
                {
                    x.Preset, x.Parameters, x.Batch, x.Context, x.Threads, x.BlasThreads, x.Precision, x.ReferencePrecision, x.Pairs, x.Load, x.StlmTokensPerSecond, x.TorchTokensPerSecond,
                    x.Ratio, x.FlopsPerToken, x.MatmulGflops, x.StlmMfu, x.TorchMfu, x.TorchNote,
                }), new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    static Precision PrecisionOption(string text, string option) =>
        Precisions.TryParse(text) ?? throw new StlmException($"{option} {text}: not a precision; use {Precisions.Names}");
}
