using System.CommandLine;
using Stlm.Actors.Cluster;
using Stlm.Actors.Training.Session;
using Stlm.Host.Runs;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm resume RUN`: goes on with a paused run (or one whose process died) from its newest
/// committed checkpoint, with its journaled configuration: steps the journal already has are
/// re-run and checked bit for bit, then new ones are journaled. --config/--set only say where
/// the journal and cluster are (stlm.*, journal.*, logging.*, cluster.*); anything that would change the run is refused.
/// </summary>
public static class ResumeCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Run id" };
        var command = new Command("resume", "Go on training a paused (or crashed) run from its newest checkpoint") { run };
        var config = ConfigOptions.AddTo(command);
        var nproc = SessionRunner.NprocOption();
        command.Options.Add(nproc);
        command.SetAction(async (parse, ct) =>
        {
            var timeline = StartupTimeline.FromProcessStart();
            var runId = parse.GetValue(run)!;
            ProcessSettings.CheckResume(runId, parse.GetValue(config.File), parse.GetValue(config.Set) ?? []);
            await using var store = RunStoreOpener.Open(config, parse);
            // libtorch (hundreds of megabytes of shared objects, ~1.2 s here) loads on another thread while the
            // session recovers the run. Not sooner: dlopen holds the loader's lock throughout, so SQLite's native
            // library, loaded when the journal is opened, would wait for it.
            _ = Task.Run(() => Torch.Version, ct);
            timeline.Mark("journal opened");
            var process = config.Load(parse);
            var cluster = ClusterSettings.From(process);
            if (cluster.Enabled)
            {
                // The run is handed to a trainer node of the cluster: it is read here first.
                var state = await RunStoreOpener.LoadAsync(store, runId, ct);
                TrainingSession.RefuseCompleted(state);
                ClusterRunner.CheckJournal(DataPaths.From(process));
                await ClusterRunner.HandOverAsync(store, state, process.GetInt("journal.snapshot-every"), ct);
                return await new ClusterRunner(store, cluster, DataPaths.From(process).DataDir).RunAsync(runId, "resuming", ct);
            }
            // One actor system: the session's RunActor recovers the run and refuses an unknown or completed one
            // (no second system only to read the run first).
            SessionReport report;
            try
            {
                report = await new SessionRunner(store, DataPaths.From(process).DataDir, timeline, parse.GetValue(nproc))
                    .RunAsync(options => TrainingSession.Resume(runId, options), "resuming");
            }
            catch (UnknownRunException)
            {
                throw await RunStoreOpener.UnknownRunAsync(store, runId, ct);
            }
            return TrainingSummary.Print(report, ct);
        });
        return command.WithLogging();
    }
}
