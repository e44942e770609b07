using System.CommandLine;
using System.Globalization;
using Stlm.Host.Bench;
using Stlm.Host.Runs;
using Stlm.Model;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm bench orchestration`: what the actors cost. The same preset trained through the actors
/// and through the bare loop (tokens/s, medians of alternating repeats; goal: actors at most 2%
/// slower), a checkpoint save against `dd conv=fsync` of the same bytes, and the time from the
/// start of a resume to its first step.
/// </summary>
public static class BenchOrchestrationCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset to train (hocon/presets)", DefaultValueFactory = _ => "quickstart" };
        var steps = new Option<int>("--steps") { Description = "Steps per run", DefaultValueFactory = _ => 40 };
        var warmup = new Option<int>("--warmup") { Description = "Steps left out of the tokens/s window at the start of each run", DefaultValueFactory = _ => 5 };
        var repeats = new Option<int>("--repeats") { Description = "Alternating repeats of each side (medians are reported)", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var command = new Command("orchestration", "Training through the actors vs the bare loop, checkpoint saves vs dd, resume to first step")
        {
            preset, steps, warmup, repeats, json,
        };
        var configOptions = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (n, w, r) = (parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(repeats));
            if (n < 2 || w < 1 || r < 1 || w >= n)
                throw new StlmException("--steps must be at least 2, --warmup at least 1 and below --steps, --repeats at least 1");
            var scratch = Directory.CreateTempSubdirectory("stlm-bench-orchestration-").FullName;
            try
            {
                var config = Bench.OrchestrationBenchmark.Configure(parse.GetValue(preset)!, n, parse.GetValue(configOptions.Set) ?? [], scratch);
                var log = parse.GetValue(json) ? TextWriter.Null : Console.Error;
                var result = await new OrchestrationBenchmark(config, scratch, log).RunAsync(r, w, ct);
                if (parse.GetValue(json))
                    RunsJson.Print(new
                    {
                        result.Preset, result.Parameters, result.Steps, result.Warmup, result.Repeats,
                        result.BareTokensPerSecond, result.ActorTokensPerSecond, result.BareMedian, result.ActorMedian, result.Ratio,
                        result.BareComputeMs, result.ActorComputeMs,
                        result.CheckpointBytes, result.CaptureMs, result.WriteMs, result.DdMs, result.WriteOverDd,
                        result.ResumeToFirstStepMs, result.ResumeMedianMs, result.ResumeStartedMs, result.ResumeStartedMedianMs, result.BareStepMs,
                        result.ProcessResumeMs, result.ProcessResumeMedianMs,
                    });
                else Print(result);
                return 0;
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        });
        return command.WithLogging();
    }

    static void Print(OrchestrationResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Format(inv, "{0} ({1:N0} params), {2} steps per run ({3} warm-up left out), {4} alternating repeats, medians:",
            r.Preset, r.Parameters, r.Steps, r.Warmup, r.Repeats));
        Console.Out.WriteLine(string.Format(inv, "training   actors {0:N0} tokens/s, bare loop {1:N0} tokens/s: ratio {2:F3} (goal >= 0.98, at most 2% slower){3}",
            r.ActorMedian, r.BareMedian, r.Ratio, r.Ratio >= 0.98 ? "" : "  MISSED"));
        Console.Out.WriteLine(string.Format(inv, "           time per step inside TrainStep.Run: actors {0:F0} ms, bare loop {1:F0} ms (medians of the repeats' medians)",
            TrainBenchmark.Median(r.ActorComputeMs), TrainBenchmark.Median(r.BareComputeMs)));
        Console.Out.WriteLine(string.Format(inv, "checkpoint {0:N0} bytes: capture (training waits) {1:F1} ms, write {2:F1} ms ({3:F1} MB/s), dd conv=fsync {4:F1} ms ({5:F1} MB/s): write / dd = {6:F2}",
            r.CheckpointBytes, r.CaptureMs, r.WriteMs, r.CheckpointBytes / r.WriteMs / 1e3, r.DdMs, r.CheckpointBytes / r.DdMs / 1e3, r.WriteOverDd));
        Console.Out.WriteLine(string.Format(inv, "resume     TrainingSession.Resume to its first step: {0:F0} ms (median of {1}: {2}); training started after {3:F0} ms, a step takes {4:F0} ms",
            r.ResumeMedianMs, r.ResumeToFirstStepMs.Count, string.Join(", ", r.ResumeToFirstStepMs.Select(t => t.ToString("F0", inv))),
            r.ResumeStartedMedianMs, r.BareStepMs));
        Console.Out.WriteLine(string.Format(inv, "           `stlm resume` as a new process, from its start to its first step: {0:F0} ms (median of {1}: {2})",
            r.ProcessResumeMedianMs, r.ProcessResumeMs.Count, string.Join(", ", r.ProcessResumeMs.Select(t => t.ToString("F0", inv)))));
    }
}
