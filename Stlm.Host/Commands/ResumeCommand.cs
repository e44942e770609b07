using System.CommandLine;
using Stlm.Actors.Cluster;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Runs;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Model.LibTorch;

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
            // journal is read. Not sooner: dlopen holds the loader's lock throughout, so SQLite's native library,
            // loaded when the journal is opened, would wait for it.
            _ = Task.Run(() => Torch.Version, ct);
            var state = await RunStoreOpener.LoadAsync(store, runId, ct);
            timeline.Mark("journal opened");
            if (state.Status == RunStatus.Completed)
                throw new StlmException($"run {runId} completed at step {state.Step}: there is nothing to resume; " +
                                        $"to train further, fork it: stlm fork {runId} --set training.max-steps=…");
            var process = config.Load(parse);
            var cluster = ClusterSettings.From(process);
            if (cluster.Enabled)
            {
                ClusterRunner.CheckJournal(DataPaths.From(process));
                await ClusterRunner.HandOverAsync(store, state, process.GetInt("journal.snapshot-every"), ct);
                return await new ClusterRunner(store, cluster, DataPaths.From(process).DataDir).RunAsync(runId, "resuming", ct);
            }
            var report = await new SessionRunner(store, DataPaths.From(process).DataDir, timeline, parse.GetValue(nproc)).RunAsync(options => TrainingSession.Resume(runId, options), "resuming");
            return TrainingSummary.Print(report, ct);
        });
        return command.WithLogging();
    }
}
