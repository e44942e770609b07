namespace Stlm.Actors.Training.Replay;

/// <summary>One verdict of a replay: what was checked, whether it held, and the line that says so.</summary>
public sealed record ReplayVerdict(string Check, bool Ok, string Detail);

/// <summary>
/// The first re-executed step that disagrees with the journal: which value, the journaled and
/// the recomputed one (for a loss, compared bit for bit).
/// </summary>
public sealed record StepMismatch(long Step, string Field, string Journaled, string Recomputed);

/// <summary>What `stlm replay --verify` found: the stretch, where it started, each verdict, and the first bad step.</summary>
public sealed record ReplayReport(
    string RunId,
    long FromStep,
    long ToStep,
    long StartStep,
    string StartedFrom,
    long StepsRun,
    TimeSpan Elapsed,
    IReadOnlyList<ReplayVerdict> Verdicts,
    StepMismatch? FirstMismatch)
{
    public bool Ok => Verdicts.Count > 0 && Verdicts.All(v => v.Ok);
}

/// <summary>Progress of a replay, for a display: the step just re-executed and the last one planned.</summary>
public readonly record struct ReplayProgress(long Step, long LastStep, double Loss);
