using System.CommandLine;
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
/// the journal is (stlm.*, journal.*, logging.*); anything that would change the run is refused.
/// </summary>
public static class ResumeCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Run id" };
        var command = new Command("resume", "Go on training a paused (or crashed) run from its newest checkpoint") { run };
        var config = ConfigOptions.AddTo(command);
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
            // One actor system: the session's RunActor recovers the run and refuses an unknown or completed one
            // (a second system only to read the run first cost seconds of Akka.Persistence.Sql start-up).
            SessionReport report;
            try
            {
                report = await new SessionRunner(store, DataPaths.From(config.Load(parse)).DataDir, timeline).RunAsync(options => TrainingSession.Resume(runId, options), "resuming");
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
