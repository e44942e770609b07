using System.Reflection;
using Serilog;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Runtime;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

/// <summary>How a session is run: where runs are kept, who hears its events, and test hooks.</summary>
public sealed record TrainingSessionOptions(TrainingStores Stores)
{
    /// <summary>Called for every <see cref="SessionEvent"/>, one at a time on an actor thread: keep it quick.</summary>
    public Action<SessionEvent>? Observer { get; init; }

    /// <summary>The actor system's logger (default: Serilog's Log.Logger).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Who holds the lease (default: this process with a fresh instance id).</summary>
    public LeaseOwner? Owner { get; init; }

    /// <summary>Fault injection for tests: runs on the trainer thread before each step's forward pass.</summary>
    public Action<long, ILanguageModel>? BeforeStep { get; init; }

    /// <summary>How checkpoints are written (its Fault hook lets tests stall or break a write).</summary>
    public Model.Checkpoints.CheckpointWriteOptions? CheckpointWrite { get; init; }

    /// <summary>Cancels the preparation (corpus, tokenizer) before training starts.</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>
/// The host's handle on one run's training in this process (the actors live behind it, in
/// their own actor system). Start one with <see cref="StartNew"/>, <see cref="Resume"/> or
/// <see cref="Fork"/>; each returns once the run is journaled as running and its lease held,
/// and training goes on in the background until <see cref="Completion"/>.
/// <code>
/// await using var stores = TrainingStores.Open(DataPaths.From(config).Journal);
/// await using var session = await TrainingSession.StartNew("r-7", config, new TrainingSessionOptions(stores) { Observer = Show });
/// Console.CancelKeyPress += (_, e) => { e.Cancel = true; session.RequestPause("Ctrl+C"); };
/// SessionOutcome outcome = await session.Completion;      // Completed, Paused or Failed
/// </code>
/// </summary>
public sealed class TrainingSession : IAsyncDisposable
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(60);

    readonly ActorSystem _system;
    readonly IActorRef _session;

    TrainingSession(string runId, ActorSystem system, IActorRef session, Task<SessionOutcome> completion, RunState started)
    {
        RunId = runId;
        _system = system;
        _session = session;
        Completion = completion;
        Started = started;
    }

    public string RunId { get; }

    /// <summary>The run as journaled when training started (after RunCreated, or Resumed).</summary>
    public RunState Started { get; }

    /// <summary>Ends when training is over: completed (max-steps reached), paused, or failed (with the reason).</summary>
    public Task<SessionOutcome> Completion { get; }

    /// <summary>The code version journaled with new runs and written into checkpoints.</summary>
    public static string CodeVersion { get; } =
        typeof(TrainingSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Finish the current step, checkpoint, journal Paused and stop; <see cref="Completion"/> then says Paused.</summary>
    public void RequestPause(string reason = "operator") => _session.Tell(new PauseTraining(reason), ActorRefs.NoSender);

    /// <summary>
    /// Changes a schedule (lr, dropout, layer-dropout, exit-loss-scale) from <paramref name="fromStep"/>
    /// (default: the next step not yet started) to <paramref name="value"/> ("3e-4", or "*0.5" to
    /// scale it); returns the journaled event, or throws StlmException saying why not.
    /// </summary>
    public Task<ScheduleOverridden> Override(string what, string value, long? fromStep = null) => Completion.IsCompleted
        ? Task.FromException<ScheduleOverridden>(new StlmException(
            $"run {RunId} is no longer training in this session ({Completion.Result.End.ToString().ToLowerInvariant()}): overrides of a paused run go to its journal directly"))
        : _session.Ask<ScheduleOverridden>(new OverrideRequest(what, value, fromStep), AskTimeout);

    /// <summary>A new run <paramref name="runId"/> trained with <paramref name="config"/> (resolved, e.g. TrainConfigLoader.Load).</summary>
    public static Task<TrainingSession> StartNew(string runId, Config config, TrainingSessionOptions options) =>
        Launch(RunIds.Validate(runId), config, options, async (run, _) =>
        {
            var state = await RunActor.AskAsync(run, new CreateRun(runId, config.ToHocon(), config.ContentHash(),
                config.GetLong("torch.seed"), CodeVersion), AskTimeout);
            return (config, state, new StartPoint(state.FirstStep - 1, null, ""));
        });

    /// <summary>
    /// Goes on with a paused or crashed run from its newest committed checkpoint (or its start):
    /// the steps after the checkpoint that the journal already has are re-run and checked bit for
    /// bit before new steps are journaled. Trains with the run's journaled configuration.
    /// </summary>
    public static Task<TrainingSession> Resume(string runId, TrainingSessionOptions options) =>
        Launch(RunIds.Validate(runId), null, options, async (run, system) =>
        {
            var before = await RunActor.AskAsync(run, new GetRunState(), AskTimeout);
            if (!before.Exists) throw new StlmException($"run {runId} does not exist; `stlm runs` lists the runs");
            var config = Config.ParseString(before.Created!.ConfigHocon, $"run {runId}").Resolve();
            // The start checkpoint is verified before Resumed is journaled: a corrupt one leaves the journal as it was.
            var (hash, step) = RunRules.ResumePoint(before, null);
            var start = await StartOf(before, hash, step!.Value, system);
            if (start.CheckpointPath is { } path) Model.Checkpoints.Checkpoint.Open(path, start.CheckpointHash);
            var state = await RunActor.AskAsync(run, new ResumeRun(Environment.MachineName, Environment.ProcessId, hash.Length > 0 ? hash : null), AskTimeout);
            return (config, state, start);
        });

    /// <summary>
    /// A new run <paramref name="runId"/> that starts from exactly the state of
    /// <paramref name="parentRunId"/>'s committed checkpoint at <paramref name="step"/> (null: its
    /// newest), with its configuration changed by <paramref name="overrides"/> ("key=value", as
    /// --set). A step with no committed checkpoint is refused in one line listing those there are.
    /// </summary>
    public static Task<TrainingSession> Fork(string parentRunId, long? step, IReadOnlyList<string> overrides, string runId, TrainingSessionOptions options) =>
        Launch(RunIds.Validate(runId), null, options, async (run, system) =>
        {
            var parent = await ReadRunAsync(system, parentRunId);
            if (!parent.Exists) throw new StlmException($"cannot fork {parentRunId}: no such run; `stlm runs` lists the runs");
            var config = Config.ParseString(parent.Created!.ConfigHocon, $"run {parentRunId}");
            foreach (var set in overrides) config = ConfigLoader.ParseSet(set).WithFallback(config);
            config = config.Resolve();
            TrainingRecipe.From(config); // a bad override fails here, before anything is journaled
            var state = await RunActor.AskAsync(run, new CreateRun(runId, config.ToHocon(), config.ContentHash(),
                config.GetLong("torch.seed"), CodeVersion, new ForkFrom(parent, step, overrides)), AskTimeout);
            var fork = state.Fork!;
            return (config, state, await StartOf(state, fork.ParentCheckpointHash, fork.ForkStep, system));
        });

    /// <summary>Where training starts: the run's start (no hash), one of its checkpoints, or its parent's (a fork's start).</summary>
    static async Task<StartPoint> StartOf(RunState state, string hash, long step, ActorSystem system)
    {
        if (hash.Length == 0) return new StartPoint(step, null, "");
        if (state.CheckpointByHash(hash) is { } own) return new StartPoint(own.Step, own.Path, own.Hash);
        var parentId = state.Fork?.ParentRunId ?? throw new StlmException($"run {state.RunId} names checkpoint {hash}, which it does not have");
        var parent = await ReadRunAsync(system, parentId);
        var theirs = parent.Checkpoints.LastOrDefault(c => c.Hash == hash)
            ?? throw new StlmException($"run {state.RunId} starts from checkpoint {hash} of {parentId}, which {parentId}'s journal does not name");
        return new StartPoint(step, theirs.Path, hash);
    }

    /// <summary>Another run's state, read by recovering its RunActor (which then stops: it only reads).</summary>
    static async Task<RunState> ReadRunAsync(ActorSystem system, string runId)
    {
        var reader = system.ActorOf(RunActor.Props(RunIds.Validate(runId), int.MaxValue), "read-" + runId + "-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            return await RunActor.AskAsync(reader, new GetRunState(), AskTimeout);
        }
        finally
        {
            system.Stop(reader);
        }
    }

    delegate Task<(Config Config, RunState State, StartPoint Start)> Prepare(IActorRef run, ActorSystem system);

    static async Task<TrainingSession> Launch(string runId, Config? known, TrainingSessionOptions options, Prepare prepare)
    {
        var stores = options.Stores;
        // The run's own config is known only once it is read under the lease: the lease's timing is the reference's.
        var timing = SessionTiming.From(known ?? ConfigLoader.Reference().Resolve());
        var lease = stores.Leases is null ? null
            : await stores.Leases.AcquireAsync(runId, options.Owner ?? LeaseOwner.ThisProcess(), timing.LeaseTtl, options.Cancel);
        var system = ActorSystem.Create("session-" + runId, new ActorSystemSettings { Logger = options.Logger });
        try
        {
            system.UsePersistence(stores.Journal, stores.Snapshots);
            var outcome = new TaskCompletionSource<SessionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            var session = system.ActorOf(SessionActor.Props(runId, timing, options.Observer, stores.Leases, lease,
                () => stores.ForkPointsOfAsync(runId), outcome), "session");
            var run = await session.Ask<IActorRef>(new GetRunRef(), AskTimeout);
            var (config, state, start) = await prepare(run, system);
            // A missing, corrupt or truncated start checkpoint is reported here, in one line, before anything trains.
            if (start.CheckpointPath is { } path) Model.Checkpoints.Checkpoint.Open(path, start.CheckpointHash);
            var recipe = TrainingRecipe.From(config);
            var settings = SessionSettings.From(config);
            var corpus = await Task.Run(() => recipe.PrepareCorpus(options.Cancel), options.Cancel);
            // Evaluators' models are built first: building seeds the generators, and the trainer's model is built (and seeded) last.
            var evaluatorModels = Enumerable.Range(0, settings.Evaluators).Select(_ => recipe.BuildModel()).ToList();
            var setup = new TrainerSetup(runId, recipe, config.ToHocon(), CodeVersion, settings, start, options.BeforeStep)
            {
                Tokenizer = recipe.KeepTokenizerWith(settings.CheckpointsOf(runId)),
            };
            var writes = options.CheckpointWrite ?? Model.Checkpoints.CheckpointWriteOptions.Default;
            session.Tell(new StartTraining(setup, corpus, state, evaluatorModels, writes), ActorRefs.NoSender);
            return new TrainingSession(runId, system, session, outcome.Task, state);
        }
        catch
        {
            await system.Terminate();
            if (lease is not null) await stores.Leases!.ReleaseAsync(lease);
            throw;
        }
    }

    /// <summary>
    /// Stops the actors. After <see cref="Completion"/> this only tidies up; before it, training
    /// stops where it stands with no checkpoint and no Paused event, as a crash would (a resume
    /// re-runs and rechecks the steps after the newest checkpoint), but the lease is released.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _system.Terminate();
        if (!Completion.IsCompleted && Started.Exists)
            await Task.WhenAny(Completion, Task.Delay(TimeSpan.FromSeconds(10)));
    }
}
