using System.CommandLine;
using Stlm.Actors.Training.Views;
using Stlm.Host.Charts;
using Stlm.Host.Journal;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm show RUN [RUN…] [--out FILE.png|.svg] [--log-loss] [--json]`: the run's summary (with the
/// newest result of each eval task) and metrics, and its loss and eval curves with its ancestors'
/// (each up to the step it was forked at), fork points marked; multiple-choice accuracies get a
/// panel of their own. The curves are written as PNG and SVG side by side. Several runs are shown
/// one after the other and drawn in one picture, to compare them (float32 against bf16-mixed, a
/// fork against its parent); `--json` then prints an array of what one run prints.
/// </summary>
public static class ShowCommand
{
    public sealed record ShowReport(RunSummary Summary, IReadOnlyList<RunSeries> Lineage, string? Image);

    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN") { Description = "Run id; several are drawn in one picture", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "Write the curves to this .png or .svg file (and the other format beside it)", HelpName = "FILE" };
        var logLoss = new Option<bool>("--log-loss") { Description = "Draw the loss axis on a log scale" };
        var json = SharedOptions.Json;
        var command = new Command("show", "Show a run (or several, compared): summary, metrics and curves") { runs, output, logLoss, json };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var image = parse.GetValue(output);
            if (image is not null && Path.GetExtension(image).ToLowerInvariant() is not (".png" or ".svg"))
                throw new StlmException($"--out {image}: the image must end in .png or .svg");
            await using var store = RunStoreOpener.Open(config, parse);
            var reader = new RunJournalReader(store.Query);
            var shown = new List<(RunSummary Summary, IReadOnlyList<RunSeries> Lineage)>();
            foreach (var id in parse.GetValue(runs)!.Distinct())
            {
                var state = await RunStoreOpener.LoadAsync(store, id, ct);
                var chain = await JournalOpener.ReadAsync(store, () => reader.LoadWithAncestorsAsync(state.RunId, ct));
                var summary = (await JournalOpener.ReadAsync(store, () => RunLiveness.ApplyAsync(store.Dialect, [RunSummary.From(state)], ct)))[0];
                shown.Add((summary, RunMetrics.Lineage(chain)));
            }
            if (image is not null)
                ChartImage.Write(RunCurves.Panels(string.Join(", ", shown.Select(r => r.Summary.Id)), RunCurves.Together(shown.Select(r => r.Lineage).ToList()),
                    parse.GetValue(logLoss)), image);
            var reports = shown.Select(r => new ShowReport(r.Summary, r.Lineage, image is null ? null : Path.GetFullPath(image))).ToList();
            if (parse.GetValue(json))
            {
                if (reports.Count == 1) RunsJson.Print(reports[0]);
                else RunsJson.Print(reports);
            }
            else
                for (var i = 0; i < reports.Count; i++)
                {
                    if (i > 0) Console.Out.WriteLine();
                    Print(reports[i], image: i == reports.Count - 1);
                }
            return 0;
        });
        return command;
    }

    static void Print(ShowReport r, bool image)
    {
        var s = r.Summary;
        Console.Out.WriteLine($"run {s.Id}  {s.Status}{(s.StatusReason.Length > 0 ? $" ({s.StatusReason})" : "")}  created {RunText.Created(s)}");
        Console.Out.WriteLine($"  step {s.Step}  tokens {RunText.Tokens(s.Tokens)}  last loss {RunText.Number(s.LastLoss)}  best {RunText.Best(s.BestEval)}  checkpoints {s.Checkpoints}");
        foreach (var e in s.LatestEvals)
            Console.Out.WriteLine($"  latest {e.Task} @{e.Step}: " + string.Join("  ", e.Metrics.Select(m => $"{m.Key} {RunText.Number(m.Value)}")));
        if (s.PendingLine() is { } owed) Console.Out.WriteLine($"  {owed}");
        if (r.Lineage.Count > 1)
            Console.Out.WriteLine("  lineage " + string.Join(" -> ", r.Lineage.Select(l => l.ForkStep is { } f ? $"@{f} {l.RunId}" : l.RunId)));
        var own = r.Lineage[^1];
        Console.Out.WriteLine("  loss");
        foreach (var line in RunText.Table(["    STEP", "LOSS"], Sample(own.Loss, 12).Select(p => (IReadOnlyList<string>)[$"    {p.Step}", RunText.Number(p.Value)])))
            Console.Out.WriteLine(line);
        foreach (var e in own.Evals)
            Console.Out.WriteLine($"  eval {e.Task}/{e.Metric}: " + string.Join("  ", e.Points.Select(p => $"{p.Step}:{RunText.Number(p.Value)}")));
        if (image && r.Image is not null)
            Console.Out.WriteLine($"  curves written to {Path.ChangeExtension(r.Image, ".png")} and {Path.ChangeExtension(r.Image, ".svg")}");
    }

    /// <summary>At most n points, evenly spread, always with the first and last.</summary>
    static IEnumerable<StepPoint> Sample(IReadOnlyList<StepPoint> points, int n) =>
        points.Count <= n ? points : Enumerable.Range(0, n).Select(i => points[(int)Math.Round(i * (points.Count - 1) / (double)(n - 1))]);
}
