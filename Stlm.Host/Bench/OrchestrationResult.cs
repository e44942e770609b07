namespace Stlm.Host.Bench;

/// <summary>One timed training run of `stlm bench orchestration`: window tokens/s, median TrainStep.Run time, process CPU per step, load average when it ended.</summary>
public sealed record TrainingRunTiming(string Side, double TokensPerSecond, double ComputeMs, double CpuMsPerStep, string Load);

/// <summary>A bare run and an actor run taken one right after the other (their order alternates between pairs).</summary>
public sealed record TrainingPair(TrainingRunTiming Bare, TrainingRunTiming Actors)
{
    /// <summary>Actors' tokens/s over the bare loop's (goal: at least 0.98).</summary>
    public double Ratio => Actors.TokensPerSecond / Bare.TokensPerSecond;

    /// <summary>Actors' process CPU per step over the bare loop's: the actors' overhead in work, whatever the machine's load.</summary>
    public double CpuRatio => Actors.CpuMsPerStep / Bare.CpuMsPerStep;
}

/// <summary>A checkpoint write and `dd conv=fsync` of its byte count, one right after the other; the write's stages in ms.</summary>
public sealed record CheckpointPair(double WriteMs, double DdMs, IReadOnlyList<(string Stage, double Ms)> Stages, string Load)
{
    /// <summary>CPU time of the write (this process, all threads) and of dd: a crowded machine stretches the CPU part of each.</summary>
    public double WriteCpuMs { get; init; } = double.NaN;
    public double DdCpuMs { get; init; } = double.NaN;

    public double Ratio => WriteMs / DdMs;
}

/// <summary>
/// A resume from the call (or process start) to its first journaled step, with its phases, and
/// the CPU time the process used meanwhile (all threads): on a crowded machine the wall time
/// stretches with the load, the CPU time hardly.
/// </summary>
public sealed record ResumeTiming(double FirstStepMs, IReadOnlyList<(string Phase, double Ms)> Phases, string Load, double CpuMs);

/// <summary>What `stlm bench orchestration` measured; ratios are actors / bare and write / dd, medians over pairs.</summary>
public sealed record OrchestrationResult(
    string Preset, int Steps, int Warmup, long Parameters, long BatchTokens, string Work,
    IReadOnlyList<TrainingPair> Training, long CheckpointBytes, double CaptureMs, IReadOnlyList<CheckpointPair> Checkpoints,
    IReadOnlyList<ResumeTiming> Resumes, IReadOnlyList<ResumeTiming> ProcessResumes)
{
    static double Median(IEnumerable<double> values) => TrainBenchmark.Median(values);

    public double Ratio => Median(Training.Select(p => p.Ratio));
    public double CpuRatio => Median(Training.Select(p => p.CpuRatio));
    public double BareMedian => Median(Training.Select(p => p.Bare.TokensPerSecond));
    public double ActorMedian => Median(Training.Select(p => p.Actors.TokensPerSecond));
    public double WriteOverDd => Median(Checkpoints.Select(c => c.Ratio));
    public double WriteMs => Median(Checkpoints.Select(c => c.WriteMs));
    public double DdMs => Median(Checkpoints.Select(c => c.DdMs));
    public double WriteCpuMs => Median(Checkpoints.Select(c => c.WriteCpuMs));
    public double DdCpuMs => Median(Checkpoints.Select(c => c.DdCpuMs));
    public double ResumeMedianMs => Median(Resumes.Select(r => r.FirstStepMs));
    public double ProcessResumeMedianMs => Median(ProcessResumes.Select(r => r.FirstStepMs));
    public double ResumeCpuMedianMs => Median(Resumes.Select(r => r.CpuMs));
    public double ProcessResumeCpuMedianMs => Median(ProcessResumes.Select(r => r.CpuMs));

    /// <summary>The bare loop's time per step, to read the resume time against.</summary>
    public double BareStepMs => BatchTokens / BareMedian * 1000;

    /// <summary>Each phase's median over the timings, in the order of the first one.</summary>
    public static IReadOnlyList<(string Phase, double Ms)> MedianPhases(IEnumerable<IReadOnlyList<(string Phase, double Ms)>> timings)
    {
        var all = timings.ToList();
        var order = all.SelectMany(t => t.Select(p => p.Phase)).Distinct().ToList();
        return [.. order.Select(name => (name, Median(all.SelectMany(t => t.Where(p => p.Phase == name).Select(p => p.Ms)))))];
    }
}
