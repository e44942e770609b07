using System.CommandLine;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Schedules;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Schedules;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm set RUN lr=3e-4 [dropout=0 …] [--from-step N] [--timeout S]`: overrides a schedule of
/// a run from a step on (default: the next step it trains), journaled as ScheduleOverridden so
/// replays and resumes see it. A running run is asked through the control channel (its trainer
/// journals the override before the step it applies to); a paused one is changed here.
/// </summary>
public static class SetCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Run id" };
        var settings = new Argument<string[]>("SETTING")
        {
            Description = $"name=value or name*=factor, name one of {string.Join(", ", ScheduleOverride.Names)} (e.g. lr=3e-4, lr*=0.5, dropout=0)",
            Arity = ArgumentArity.OneOrMore,
        };
        var fromStep = new Option<long?>("--from-step") { Description = "First step the new value applies to (default: the next step the run trains)", HelpName = "N" };
        var timeout = RunControlCall.TimeoutOption();
        var command = new Command("set", "Override a schedule (lr, dropout, …) of a running or paused run from a step on") { run, settings, fromStep, timeout };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var parsed = (parse.GetValue(settings) ?? []).Select(ScheduleSetting.Parse).ToList();
            var from = parse.GetValue(fromStep);
            if (from is < 1) throw new StlmException($"--from-step {from}: steps count from 1");
            await using var store = RunStoreOpener.Open(config, parse);
            var runId = parse.GetValue(run)!;
            await RunStoreOpener.LoadAsync(store, runId, ct);
            foreach (var setting in parsed)
            {
                var outcome = await RunControlCall.AskAsync(store, runId, ControlAsk.Override(setting.What, setting.Value, from), parse.GetValue(timeout), async () =>
                {
                    var state = await RunStoreOpener.LoadAsync(store, runId, ct);
                    CheckAgainstRun(state, setting, from ?? state.Step + 1);
                    var after = await IdleRunControl.ApplyAsync(store, runId, new OverrideSchedule(setting.What, setting.Value, from),
                        config.Load(parse).GetInt("journal.snapshot-every"), ct);
                    var journaled = after.Overrides[^1];
                    return $"{runId}: {setting} from step {journaled.FromStep} (journaled; the run is {after.Status.ToString().ToLowerInvariant()}" +
                           (after.Status == RunStatus.Paused ? $", resume with: stlm resume {runId})" : ")");
                }, ct);
                Console.Out.WriteLine(outcome);
            }
            return 0;
        });
        return command.WithLogging();
    }

    /// <summary>The run's schedules must accept the override with those already journaled (e.g. dropout stays below 1).</summary>
    static void CheckAgainstRun(RunState state, ScheduleSetting setting, long from)
    {
        var config = state.Created!.Config();
        var candidate = new ScheduleOverridden { What = setting.What, Value = setting.Value, FromStep = from };
        _ = new ScheduleSet(SchedulesSection.Load(config), [.. state.Overrides.Append(candidate).Select(ScheduleActor.ToOverride)]);
    }
}
