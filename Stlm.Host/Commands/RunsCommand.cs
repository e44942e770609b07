using System.CommandLine;
using Stlm.Actors.Training.Views;
using Stlm.Host.Journal;
using Stlm.Host.Runs;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>`stlm runs [--tree] [--json]`: every run in the journal, rebuilt from its events.</summary>
public static class RunsCommand
{
    public static Command Create()
    {
        var tree = new Option<bool>("--tree") { Description = "Show the fork lineage (children under their parent, with the fork step)" };
        var json = SharedOptions.Json;
        var command = new Command("runs", "List runs: status, step, tokens, last loss, best eval, parent") { tree, json };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var store = RunStoreOpener.OpenIfCreated(config, parse);
            IReadOnlyList<RunSummary> runs = store is null ? [] : await JournalOpener.ReadAsync(store, async () =>
                await RunLiveness.ApplyAsync(store.Dialect, [.. (await new RunJournalReader(store.Query).LoadAllAsync(ct)).Select(RunSummary.From)], ct));
            if (parse.GetValue(tree))
            {
                var forest = RunLineage.Build(runs);
                if (parse.GetValue(json)) RunsJson.Print(forest.Select(TreeJson));
                else foreach (var line in forest.SelectMany(n => TreeLines(n, "", "", root: true))) Console.Out.WriteLine(line);
            }
            else if (parse.GetValue(json)) RunsJson.Print(runs);
            else
            {
                Table(runs);
                foreach (var r in runs.Where(r => r.Status == RunSummary.InterruptedStatus))
                    Console.Out.WriteLine($"{r.Id} was interrupted (no process trains it); resume it with: stlm resume {r.Id}");
                foreach (var r in runs)
                    if (r.PendingLine() is { } owed) Console.Out.WriteLine($"{r.Id} {owed}");
            }
            if (runs.Count == 0 && !parse.GetValue(json))
                Console.Error.WriteLine(store is null
                    ? $"stlm: no runs yet: nothing was trained with the data folder {DataPaths.From(config.Load(parse)).DataDir} (`stlm train` starts a run)"
                    : $"stlm: the journal at {store.Dialect.Where} holds no runs");
            return 0;
        });
        return command;
    }

    static void Table(IReadOnlyList<RunSummary> runs)
    {
        if (runs.Count == 0) return;
        string[] header = ["RUN", "STATUS", "STEP", "TOKENS", "LOSS", "BEST EVAL", "PARENT", "CREATED"];
        foreach (var line in RunText.Table(header, runs.Select(r => (IReadOnlyList<string>)
                 [r.Id, r.Status, r.Step.ToString(), RunText.Tokens(r.Tokens), RunText.Number(r.LastLoss), RunText.Best(r.BestEval),
                  r.Parent is null ? "-" : $"{r.Parent}@{r.ForkStep}", RunText.Created(r)])))
            Console.Out.WriteLine(line);
    }

    static object TreeJson(LineageNode n) => new
    {
        run = n.Run,
        children = n.Children.Select(TreeJson).ToList(),
    };

    static IEnumerable<string> TreeLines(LineageNode n, string indent, string branch, bool root)
    {
        var r = n.Run;
        var fork = root || r.ForkStep is null ? "" : $" @{r.ForkStep}";
        yield return $"{indent}{branch}{r.Id}{fork}  {r.Status}  step {r.Step}  loss {RunText.Number(r.LastLoss)}  best {RunText.Best(r.BestEval)}";
        var childIndent = indent + (root ? "" : branch == "└─ " ? "   " : "│  ");
        for (var i = 0; i < n.Children.Count; i++)
            foreach (var line in TreeLines(n.Children[i], childIndent, i == n.Children.Count - 1 ? "└─ " : "├─ ", root: false))
                yield return line;
    }
}
