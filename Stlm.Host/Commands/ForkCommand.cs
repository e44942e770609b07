using System.CommandLine;
using System.Globalization;
using Stlm.Actors.Cluster;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Runs;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm fork RUN[@STEP] [--set k=v]… [--run-id ID] [--no-train]`: a new run that starts from
/// exactly RUN's committed checkpoint at STEP (default: its newest) with its configuration
/// changed by the --set values, then trains it (or, with --no-train, leaves it paused for
/// `stlm resume`). --set of stlm.*, journal.*, logging.* or cluster.* only says where the journal and cluster are.
/// </summary>
public static class ForkCommand
{
    public static Command Create()
    {
        var from = new Argument<string>("RUN[@STEP]") { Description = "The parent run, and the step of one of its committed checkpoints (default: the newest)" };
        var runId = SharedOptions.RunId;
        var noTrain = new Option<bool>("--no-train") { Description = "Only create the fork (paused); train it later with stlm resume" };
        var command = new Command("fork", "Start a new run from a committed checkpoint of another, with changed settings") { from, runId, noTrain };
        var config = ConfigOptions.AddTo(command);
        var nproc = SessionRunner.NprocOption();
        command.Options.Add(nproc);
        command.SetAction(async (parse, ct) =>
        {
            var (parentId, step) = ParseFrom(parse.GetValue(from)!);
            ProcessSettings.CheckFile(parse.GetValue(config.File), "a fork takes its changes as --set key=value", "pass them with --set");
            var overrides = (parse.GetValue(config.Set) ?? []).Where(s => !ProcessSettings.IsProcessKey(s)).ToList();
            var id = RunIds.Validate(parse.GetValue(runId) ?? RunIds.New());
            await using var store = RunStoreOpener.Open(config, parse);
            await RunStoreOpener.LoadAsync(store, parentId, ct);
            var process = config.Load(parse);
            var dataDir = DataPaths.From(process).DataDir;
            if (parse.GetValue(noTrain))
            {
                var created = await ForkCreation.CreatePausedAsync(store, parentId, step, overrides, id, dataDir, process.GetInt("journal.snapshot-every"), ct);
                Console.Out.WriteLine($"{id} forked from {parentId}@{created.Fork!.ForkStep} (paused, not trained); train it with: stlm resume {id}");
                return 0;
            }
            var cluster = ClusterSettings.From(process);
            if (cluster.Enabled)
            {
                ClusterRunner.CheckJournal(DataPaths.From(process));
                await ForkCreation.CreatePausedAsync(store, parentId, step, overrides, id, dataDir, process.GetInt("journal.snapshot-every"), ct,
                    ClusterRunner.HandedBy("fork"));
                return await new ClusterRunner(store, cluster, dataDir).RunAsync(id, "training", ct);
            }
            var report = await new SessionRunner(store, dataDir, processes: parse.GetValue(nproc)).RunAsync(options => TrainingSession.Fork(parentId, step, overrides, id, options), "training");
            return TrainingSummary.Print(report, ct);
        });
        return command.WithLogging();
    }

    static (string Run, long? Step) ParseFrom(string text)
    {
        var at = text.LastIndexOf('@');
        if (at < 0) return (RunIds.Validate(text), null);
        if (!long.TryParse(text[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
            throw new StlmException($"`{text}`: after @ comes the step of a committed checkpoint, e.g. {text[..at]}@1200");
        return (RunIds.Validate(text[..at]), step);
    }
}
