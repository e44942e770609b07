using System.CommandLine;
using System.Globalization;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench orchestration`: what the actors cost. The same preset trained through the actors
/// and through the bare loop in pairs (tokens/s and CPU per step; the median of the pairs'
/// ratios; goal: actors at most 2% slower), a checkpoint save against `dd conv=fsync` of the same
/// bytes (paired the same way), and the time from the start of a resume to its first step, phase
/// by phase. The load average goes beside every number: the machine may be shared.
/// </summary>
public static class BenchOrchestrationCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Preset to train (hocon/presets)", DefaultValueFactory = _ => "quickstart" };
        var steps = new Option<int>("--steps") { Description = "Steps per run", DefaultValueFactory = _ => 40 };
        var warmup = new Option<int>("--warmup") { Description = "Steps left out of the tokens/s window at the start of each run", DefaultValueFactory = _ => 5 };
        var repeats = new Option<int>("--repeats") { Description = "Pairs of runs (bare, actors; the order alternates); medians of the pairs' ratios are reported", DefaultValueFactory = _ => 4 };
        var withEvals = new Option<bool>("--with-evals") { Description = "Both sides evaluate every eval.every-steps inside the timed window (default: neither does)" };
        var json = SharedOptions.Json;
        var command = new Command("orchestration", "Training through the actors vs the bare loop, checkpoint saves vs dd, resume to first step")
        {
            preset, steps, warmup, repeats, withEvals, json,
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
                var evals = parse.GetValue(withEvals);
                var config = Bench.OrchestrationBenchmark.Configure(parse.GetValue(preset)!, n, parse.GetValue(configOptions.Set) ?? [], scratch, evals);
                var log = parse.GetValue(json) ? TextWriter.Null : Console.Error;
                var result = await new OrchestrationBenchmark(config, scratch, log, evals).RunAsync(r, w, ct);
                if (parse.GetValue(json))
                    RunsJson.Print(new
                    {
                        result.Preset, result.Parameters, result.Steps, result.Warmup, result.Work,
                        Pairs = result.Training.Select(p => new { p.Bare, p.Actors, p.Ratio, p.CpuRatio }),
                        result.BareMedian, result.ActorMedian, result.Ratio, result.CpuRatio,
                        result.CheckpointBytes, result.CaptureMs, result.WriteMs, result.DdMs, result.WriteOverDd,
                        result.WriteCpuMs, result.DdCpuMs,
                        Checkpoints = result.Checkpoints.Select(c => new { c.WriteMs, c.DdMs, c.Ratio, c.WriteCpuMs, c.DdCpuMs, c.Load, Stages = c.Stages.Select(s => new { s.Stage, s.Ms }) }),
                        result.ResumeMedianMs, result.ResumeCpuMedianMs, result.ProcessResumeMedianMs, result.ProcessResumeCpuMedianMs, result.BareStepMs,
                        Resumes = result.Resumes.Select(Json), ProcessResumes = result.ProcessResumes.Select(Json),
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

    static object Json(ResumeTiming t) => new { t.FirstStepMs, t.CpuMs, t.Load, Phases = t.Phases.Select(p => new { p.Phase, p.Ms }) };

    static void Print(OrchestrationResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        string F(double v, string format = "F0") => v.ToString(format, inv);
        string Phases(IEnumerable<IReadOnlyList<(string Phase, double Ms)>> timings) =>
            string.Join(", ", OrchestrationResult.MedianPhases(timings).Select(p => $"{p.Phase} {F(p.Ms)}"));
        var o = Console.Out;
        o.WriteLine($"{r.Preset} ({r.Parameters:N0} params), {r.Steps} steps per run ({r.Warmup} warm-up and {StepClock.Tail} final steps left out), {r.Training.Count} pairs; load average now {TrainBenchmark.LoadAverage()}");
        o.WriteLine($"training   same work: {r.Work}");
        foreach (var (p, i) in r.Training.Select((p, i) => (p, i + 1)))
            o.WriteLine($"           pair {i}: actors {F(p.Actors.TokensPerSecond, "N0")} / bare {F(p.Bare.TokensPerSecond, "N0")} tokens/s = {F(p.Ratio, "F3")}; CPU ms per step {F(p.Actors.CpuMsPerStep)} / {F(p.Bare.CpuMsPerStep)} = {F(p.CpuRatio, "F3")}; TrainStep.Run {F(p.Actors.ComputeMs)} / {F(p.Bare.ComputeMs)} ms (load {p.Bare.Load}, {p.Actors.Load})");
        o.WriteLine($"           actors / bare tokens/s: median of pair ratios {F(r.Ratio, "F3")} (goal >= 0.98){(r.Ratio >= 0.98 ? "" : "  MISSED")}; CPU per step {F(r.CpuRatio, "F3")}; medians {F(r.ActorMedian, "N0")} vs {F(r.BareMedian, "N0")} tokens/s");
        o.WriteLine($"checkpoint {r.CheckpointBytes:N0} bytes: capture (training waits) {F(r.CaptureMs, "F1")} ms; write {F(r.WriteMs, "F1")} ms vs dd conv=fsync {F(r.DdMs, "F1")} ms (medians): write / dd median of pair ratios {F(r.WriteOverDd, "F2")} (target <= 1.3)");
        o.WriteLine($"           pairs: {string.Join(", ", r.Checkpoints.Select(c => $"{F(c.Ratio, "F2")} (load {c.Load})"))}; CPU ms (medians): write {F(r.WriteCpuMs)}, dd {F(r.DdCpuMs)}");
        o.WriteLine($"           write stages (ms, medians): {Phases(r.Checkpoints.Select(c => c.Stages))}");
        o.WriteLine($"resume     TrainingSession.Resume to its first step in the journal: {F(r.ResumeMedianMs)} ms, {F(r.ResumeCpuMedianMs)} CPU ms (medians of {string.Join(", ", r.Resumes.Select(t => $"{F(t.FirstStepMs)} at load {t.Load}"))}); a bare step takes {F(r.BareStepMs)} ms");
        o.WriteLine($"           phases (ms, medians): {Phases(r.Resumes.Select(t => t.Phases))}");
        o.WriteLine($"           `stlm resume` as a new process, from its start to its first step in the journal: {F(r.ProcessResumeMedianMs)} ms, {F(r.ProcessResumeCpuMedianMs)} CPU ms used by it (medians of {string.Join(", ", r.ProcessResumes.Select(t => $"{F(t.FirstStepMs)} at load {t.Load}"))})");
        o.WriteLine($"           phases (ms, medians): {Phases(r.ProcessResumes.Select(t => t.Phases))}");
    }
}
