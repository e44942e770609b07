using System.Globalization;
using Stlm.Actors.Training.Session;
using Stlm.Model;

namespace Stlm.Host.Training;

/// <summary>What `stlm train|resume|fork` prints when the session ends (stdout), and its exit code.</summary>
public static class TrainingSummary
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Print(SessionReport r, CancellationToken cancel)
    {
        var o = r.Outcome;
        var max = r.RunConfig.GetLong("training.max-steps");
        switch (o.End)
        {
            case SessionEnd.Failed when o.Interrupted:
                throw new StlmException($"run {o.RunId} was interrupted after step {o.Step}: {o.Reason}; resume it with: stlm resume {o.RunId}");
            case SessionEnd.Failed:
                throw new StlmException($"run {o.RunId} failed at step {o.Step}: {o.Reason}");
            case SessionEnd.Paused:
                Console.Out.WriteLine(r.PausedLine);
                return 0;
        }
        if (r.StepsTrained == 0)
        {
            Console.Out.WriteLine($"run {o.RunId} completed at step {o.Step} of {max}: the journal already had every step, so nothing new was trained");
            return 0;
        }
        var span = r.FirstNewStep == 1 && r.StepsTrained == o.Step ? $"{r.StepsTrained} of {max} steps" : $"steps {r.FirstNewStep}..{o.Step} of {max}";
        Console.Out.WriteLine(string.Format(Inv,
            "run {0} trained {1} in {2:F0} s: {3:N0} tokens, {4:N0} tokens/s, loss {5:F3} -> {6:F3}, {7}",
            o.RunId, span, r.Elapsed.TotalSeconds, r.TokensTrained, r.TokensTrained / Math.Max(1e-9, r.Elapsed.TotalSeconds),
            r.FirstLoss, o.LastLoss, HeldOut(o.HeldOutBpb)));
        if (r.LastCheckpoint is { } c && FinalSample.Of(r.RunConfig, c, cancel) is { } sample)
            Console.Out.WriteLine(c.Step == o.Step ? $"sample: {sample}" : $"sample (checkpoint of step {c.Step}): {sample}");
        return 0;
    }

    /// <summary>The summary's held-out figure; "not scored yet" rather than NaN when no evaluation has come in (evaluations off, or owed to a cluster's evaluators).</summary>
    public static string HeldOut(double? bitsPerByte) =>
        bitsPerByte is { } b ? string.Format(Inv, "held-out {0:F3} bits per byte", b) : "held-out bits per byte not scored yet";
}
