using Stlm.Actors.Persistence;
using System.Diagnostics;
using System.Globalization;
using Serilog;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Host.Progress;
using Stlm.Model;
using Stlm.Model.Training;

namespace Stlm.Host.Training;

/// <summary>How one `stlm train|resume|fork` ended, for its summary and the sample.</summary>
public sealed record SessionReport(SessionOutcome Outcome, RunState Started, Config RunConfig, CheckpointEvent? LastCheckpoint,
    long FirstNewStep, long StepsTrained, long TokensTrained, double FirstLoss, TimeSpan Elapsed, string PausedLine);

/// <summary>
/// Runs one training session in the foreground of a command: progress (tokens/s, loss, lr, ETA),
/// logs of evaluations and overrides, the control channel (`stlm pause`/`stlm set` from other
/// terminals), and Ctrl+C (or SIGTERM): the first runs the session's CoordinatedShutdown, whose first
/// phase is a clean pause (checkpoint, then Paused); the second
/// stops at once like a crash, but lets the lease go so `stlm resume` works right away; a third
/// ends the process. Checkpoints and journal writes are atomic, so what is committed stays intact.
/// </summary>
public sealed class SessionRunner(JournalStore store, string? dataDir = null, StartupTimeline? timeline = null, int? processes = null)
{
    /// <summary>`--nproc N`: the ranks of a data-parallel run this command starts on this machine (default: the run's world size).</summary>
    public static System.CommandLine.Option<int?> NprocOption() => new("--nproc")
    {
        Description = "Ranks to start on this machine, one process each (must equal training.data-parallel.world-size; default: it)",
        HelpName = "N",
    };

    /// <summary>Set by `stlm bench orchestration` for its child `stlm resume`: the start's phases go there as JSON.</summary>
    public const string TimelineFileVariable = "STLM_STARTUP_TIMELINE";

    /// <summary>The last phase of a start: the session reported the first step (the trainer hears the journal's answer after its next step).</summary>
    public const string FirstStepReported = "first step reported";

    public async Task<SessionReport> RunAsync(Func<TrainingSessionOptions, Task<TrainingSession>> start, string what)
    {
        using var prepare = new CancellationTokenSource();
        var live = new LiveRun(timeline);
        TrainingSession? session = null;
        var presses = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            var press = Interlocked.Increment(ref presses);
            var current = Volatile.Read(ref session);
            if (press > 2 || (press == 2 && current is null)) return; // the runtime ends the process
            e.Cancel = true;
            if (current is null) prepare.Cancel();
            else if (press == 1)
            {
                Log.Information("Ctrl+C: pausing {Run} after this step (checkpoint, then Paused); Ctrl+C again to stop at once", current.RunId);
                _ = current.ShutdownAsync("Ctrl+C");
            }
            else _ = AbortAsync(current);
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (a service manager, `kill`) is a clean pause too: the session's CoordinatedShutdown.
        using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            if (Volatile.Read(ref session) is not { } current) return;
            context.Cancel = true;
            Log.Information("SIGTERM: pausing {Run} after this step (checkpoint, then Paused)", current.RunId);
            _ = current.ShutdownAsync("SIGTERM");
        });
        try
        {
            var stores = new TrainingStores(store, new RunLeaseStore(store.Dialect), ownsJournal: false);
            try
            {
                session = await start(new TrainingSessionOptions(stores)
                {
                    Observer = live.Observe, Cancel = prepare.Token, DataDir = dataDir, Timeline = timeline,
                    LaunchRanks = RankProcesses.Launch, Processes = processes,
                });
            }
            catch (OperationCanceledException) when (prepare.IsCancellationRequested)
            {
                throw new StlmException($"{what} stopped by Ctrl+C before training started; nothing was trained");
            }
            await using (session)
                return await FollowAsync(session, live, what);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    volatile bool _aborting;

    async Task AbortAsync(TrainingSession session)
    {
        _aborting = true;
        Log.Warning("Ctrl+C again: stopping {Run} at once, without a checkpoint; `stlm resume {Run}` re-runs the steps since its last checkpoint", session.RunId, session.RunId);
        await session.DisposeAsync();
        await Log.CloseAndFlushAsync();
        Environment.Exit(130);
    }

    async Task<SessionReport> FollowAsync(TrainingSession session, LiveRun live, string what)
    {
        var runConfig = session.Started.Created!.Config();
        if (session.Recipe.Precision.SlowOn(session.Recipe.Device) is { } slow)
            Log.Warning("{Run} trains in {Precision}, but {Why}; torch.precision = \"float32\" is faster on this machine (change it with stlm fork)",
                session.RunId, session.Recipe.Precision.Name(), slow);
        var target = new SessionControlTarget(session);
        live.Attach(target);
        var clock = Stopwatch.StartNew();
        SessionOutcome outcome;
        using (var progress = ProgressDisplay.Start(new ProgressOptions($"{what} {session.RunId}", runConfig.GetLong("training.max-steps"), "steps", Initial: session.StartStep)))
        {
            live.Show(progress);
            await using var listener = RunControlListener.Start(new RunControlStore(store.Dialect), session.RunId, target);
            outcome = await session.Completion;
            if (_aborting) await Task.Delay(Timeout.Infinite); // AbortAsync ends the process
            live.Show(null);
            await listener.StopAsync(r => target.Last(r, outcome));
        }
        return new SessionReport(outcome, session.Started, runConfig, target.LastCheckpoint, live.FirstNewStep, live.Steps, live.Tokens, live.FirstLoss, clock.Elapsed,
            target.Paused(outcome));
    }

    /// <summary>The session's events as they come (on actor threads): progress fields, logs, counts for the summary.</summary>
    sealed class LiveRun(StartupTimeline? timeline)
    {
        readonly Lock _gate = new();
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly RateMeter _tokensPerSecond = new(TimeSpan.FromSeconds(10));
        ProgressDisplay? _progress;
        SessionControlTarget? _target;

        /// <summary>The first step trained (not re-run and rechecked) by this session.</summary>
        public long FirstNewStep { get; private set; }
        public long Steps { get; private set; }
        public long Tokens { get; private set; }
        public double FirstLoss { get; private set; } = double.NaN;

        public void Attach(SessionControlTarget target)
        {
            lock (_gate) _target = target;
        }

        public void Show(ProgressDisplay? progress)
        {
            lock (_gate) _progress = progress;
        }

        public void Observe(SessionEvent e)
        {
            lock (_gate)
            {
                _target?.Observe(e);
                switch (e)
                {
                    case StepEvent { Step: var s, Rechecked: var rechecked }:
                        if (timeline is not null && !timeline.Has(FirstStepReported)) Started(timeline);
                        if (!rechecked)
                        {
                            if (Steps++ == 0) (FirstLoss, FirstNewStep) = (s.Loss, s.Step);
                            Tokens += s.Tokens;
                        }
                        Show(s, rechecked);
                        break;
                    case EvalEvent { Eval: var ev }:
                        Log.Information("step {Step}: {Task} {Metrics}", ev.Step, ev.Task,
                            string.Join(", ", ev.Metrics.Select(m => $"{m.Name} {m.Value.ToString("0.####", CultureInfo.InvariantCulture)}")));
                        break;
                    case CheckpointEvent c:
                        Log.Debug("step {Step}: checkpoint {Hash} committed at {Path} ({Bytes:N0} bytes)", c.Step, c.ContentHash, c.Path, c.Bytes);
                        break;
                    case OverrideEvent { Override: var o }:
                        Log.Information("{What} = {Value} from step {Step} (override journaled)", o.What, o.Value, o.FromStep);
                        break;
                    case StepSkippedEvent { Skipped: var k }:
                        Log.Warning("step {Step}: loss {Loss}, its batch skipped", k.Step, k.Loss);
                        break;
                    case RolledBackEvent { RolledBack: var r }:
                        Log.Warning("step {Step}: loss {Loss}, rolled back to step {To}", r.FailedStep, r.Loss, r.ToStep);
                        break;
                    case StatusEvent s:
                        Log.Debug("{Status} at step {Step} {Reason}", s.Status, s.Step, s.Reason);
                        break;
                }
            }
        }

        static void Started(StartupTimeline timeline)
        {
            timeline.Mark(FirstStepReported);
            Log.Debug("First step reported: {Phases}", timeline.Describe());
            if (Environment.GetEnvironmentVariable(TimelineFileVariable) is { Length: > 0 } file)
                File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(timeline.Phases.Select(p => new { p.Phase, p.Ms })));
        }

        void Show(StepCompleted s, bool rechecked)
        {
            _tokensPerSecond.Add(_clock.Elapsed, Tokens);
            if (_progress is not { } p) return;
            p.Set("loss", s.Loss, "F3");
            p.Set("lr", s.Lr, "0.00e0");
            p.Set("tok/s", _tokensPerSecond.PerSecond ?? 0, "N0");
            p.Report(s.Step);
        }
    }
}
