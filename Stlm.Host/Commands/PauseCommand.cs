using System.CommandLine;
using Stlm.Actors.Cluster;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Run;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm pause RUN [--reason TEXT] [--timeout S]`, from any terminal: the process training the
/// run finishes its step, commits a checkpoint, journals Paused and answers; this prints that
/// answer. A run already paused is said so (exit 0: the run is where the user wants it); a
/// run whose trainer died is marked paused here; a completed or failed run is an error.
/// </summary>
public static class PauseCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Run id" };
        var reason = new Option<string>("--reason") { Description = "Why (journaled with Paused)", DefaultValueFactory = _ => "stlm pause" };
        var timeout = RunControlCall.TimeoutOption();
        var command = new Command("pause", "Pause a run training in another process: checkpoint, then Paused") { run, reason, timeout };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var store = RunStoreOpener.Open(config, parse);
            var runId = parse.GetValue(run)!;
            await RunStoreOpener.LoadAsync(store, runId, ct);
            var why = parse.GetValue(reason)!;
            var outcome = await RunControlCall.AskAsync(store, runId, ControlAsk.Pause(why), parse.GetValue(timeout), async () =>
            {
                var state = await RunStoreOpener.LoadAsync(store, runId, ct);
                var snapshotEvery = config.Load(parse).GetInt("journal.snapshot-every");
                if (RunEntity.IsWaiting(state))
                {
                    // Paused by the cluster, which would still train it: the operator's pause replaces the cluster's.
                    await IdleRunControl.ApplyAsync(store, runId, [new ResumeRun(Environment.MachineName, Environment.ProcessId), new PauseRun(why)], snapshotEvery, ct);
                    return $"{runId} was waiting for a trainer node at step {state.Step}: paused, the cluster will not train it; resume with: stlm resume {runId}";
                }
                switch (state.Status)
                {
                    case RunStatus.Paused:
                        return $"{runId} is already paused at step {state.Step}{Checkpoint(state)}; resume with: stlm resume {runId}";
                    case RunStatus.Completed or RunStatus.Failed:
                        throw new StlmException($"run {runId} {state.Status.ToString().ToLowerInvariant()} at step {state.Step}: there is nothing to pause");
                }
                var paused = await IdleRunControl.ApplyAsync(store, runId, new PauseRun($"{why} (its trainer had stopped)"), snapshotEvery, ct);
                var from = paused.LatestCheckpoint() is { } c ? $"checkpoint {Path.GetFileName(c.Path)}" : "the beginning";
                return $"{runId} was not training (its trainer stopped after step {paused.Step} without pausing): marked paused; " +
                       $"resume with: stlm resume {runId} (it goes on from {from})";
            }, ct);
            Console.Out.WriteLine(outcome);
            return 0;
        });
        return command.WithLogging();
    }

    /// <summary>Where a resume would start, e.g. " (checkpoint step-000000120)".</summary>
    public static string Checkpoint(RunState state) => state.LatestCheckpoint() is { } c
        ? $" (checkpoint {Path.GetFileName(c.Path)})"
        : " (no checkpoint yet: a resume starts from the beginning)";
}
