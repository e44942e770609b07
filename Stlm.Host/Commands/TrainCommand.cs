using Stlm.Actors.Cluster;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Control;
using System.CommandLine;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Actors.Training.Views;
using Stlm.Host.Journal;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm train [--config F] [--set k=v]… [--run-id ID]`: creates a run and trains it through the
/// training actors (journal, checkpoints, evaluations, control channel). With no arguments it
/// trains the quickstart preset (a ~1M-parameter Llama on generated stories) in a few minutes and
/// ends with held-out bits per byte and a sample. Ctrl+C pauses it cleanly; `stlm resume` goes on.
/// With cluster.seed-nodes set the run trains on a trainer node of the cluster (<see cref="ClusterRunner"/>).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Create a run and train it (default: the ~1M-parameter quickstart preset on generated stories)");
        var configOptions = ConfigOptions.AddTo(command);
        var runId = SharedOptions.RunId;
        command.Options.Add(runId);
        var nproc = SessionRunner.NprocOption();
        command.Options.Add(nproc);
        command.SetAction(async (parse, ct) =>
        {
            var config = TrainConfigLoader.Load(parse.GetValue(configOptions.File), parse.GetValue(configOptions.Set) ?? []);
            // Everything that can be wrong with the config or the data fails here, before a run is journaled.
            var recipe = RunCreation.CheckBeforeJournaling(config);
            RunCreation.CheckRanks(config, canLaunch: true, parse.GetValue(nproc));
            var id = RunIds.Validate(parse.GetValue(runId) ?? RunIds.New());
            var paths = DataPaths.From(config);
            var cluster = ClusterSettings.From(config);
            if (cluster.Enabled) ClusterRunner.CheckJournal(paths);
            await using var store = JournalStore.Open(paths.Journal);
            // An existing id is refused before the corpus is prepared (that can take minutes and logs as it goes).
            if (parse.GetValue(runId) is not null && (await JournalOpener.ReadAsync(store, () => new RunJournalReader(store.Query).LoadAsync(id, ct))).Exists)
                throw new StlmException($"run {id} already exists; choose another --run-id, or go on with it: stlm resume {id} (or stlm fork {id} --set …)");
            if (cluster.Enabled)
            {
                await IdleRunControl.ApplyAsync(store, id, [RunCreation.Command(id, config), new PauseRun(ClusterRunner.HandedBy("train"))],
                    config.GetInt("journal.snapshot-every"), ct);
                return await new ClusterRunner(store, cluster, paths.DataDir).RunAsync(id, "training", ct);
            }
            var report = await new SessionRunner(store, processes: parse.GetValue(nproc)).RunAsync(options =>
                TrainingSession.StartNew(id, config, options, recipe.PrepareCorpus(options.Cancel)), "training");
            return TrainingSummary.Print(report, ct);
        });
        return command.WithLogging();
    }
}
