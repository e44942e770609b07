using Stlm.Actors.Persistence;
using System.Globalization;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Replay;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Host.Journal;
using Stlm.Host.Progress;

namespace Stlm.Host.Runs;

/// <summary>
/// `stlm replay RUN [--from S] [--to T] --verify [--json]`: plans the stretch from the journal
/// (<see cref="ReplayPlan"/>), re-executes it (<see cref="ReplayVerifier"/>) with a progress
/// display on stderr, then prints one line per verdict (or JSON). Exit 0 when every verdict
/// holds, 1 when one fails — the first mismatching step is named, on stdout and on stderr.
/// </summary>
public static class ReplayVerification
{
    /// <param name="dataDir">this process's data folder: the run's checkpoints, corpus and tokenizer are found there (a moved folder works)</param>
    public static async Task<int> RunAsync(JournalStore store, string runId, long? from, long? to, bool json, string dataDir, CancellationToken ct)
    {
        var paths = new DataFolderPaths(dataDir);
        var chain = await JournalOpener.ReadAsync(store, () => new RunJournalReader(store.Query).LoadWithAncestorsAsync(runId, ct));
        var run = paths.Resolved(chain.Count > 0 && chain[^1].RunId == runId ? chain[^1] : await RunStoreOpener.LoadAsync(store, runId, ct));
        var parent = chain.Count > 1 ? paths.Resolved(chain[^2]) : null;
        var plan = ReplayPlan.For(run, parent, from, to);
        var steps = await JournalOpener.ReadAsync(store,
            () => JournaledSteps.LoadAsync(store.Query, runId, plan.Start.Step + 1, plan.ToStep, ct));

        if (!json)
            Console.Out.WriteLine($"replay {runId} --verify: steps {plan.FromStep}..{plan.ToStep}, re-executing {plan.StepsToRun} from {plan.Start.Describe()}");
        var verifier = new ReplayVerifier(plan, run.Created!, steps, ReplaySteps.Overrides(run.Overrides), run.Skips, paths);
        ReplayReport report;
        using (var progress = ProgressDisplay.Start(new ProgressOptions($"replay {runId}", plan.StepsToRun, "steps")))
        {
            report = verifier.Run(p =>
            {
                progress.Set("step", p.Step.ToString(CultureInfo.InvariantCulture));
                progress.Set("loss", p.Loss, "F4");
                progress.Advance();
            }, ct);
        }

        if (json) RunsJson.Print(report);
        else Print(report);
        if (!report.Ok)
        {
            var failed = report.Verdicts.First(v => !v.Ok);
            Console.Error.WriteLine($"stlm: replay {runId} --verify FAILED: {failed.Detail}");
        }
        return report.Ok ? 0 : 1;
    }

    static void Print(ReplayReport r)
    {
        foreach (var v in r.Verdicts)
            Console.Out.WriteLine($"{(v.Ok ? "ok  " : "FAIL")}  {v.Check,-10} {v.Detail}");
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(r.Ok ? "verified" : "NOT VERIFIED")}: {r.StepsRun} steps re-executed in {r.Elapsed.TotalSeconds:F1} s"));
    }
}
