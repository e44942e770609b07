using System.Reflection;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.DataParallel;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Model;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

/// <summary>A session was asked for a run the journal does not have (nothing was journaled).</summary>
public sealed class UnknownRunException(string runId) : StlmException($"run {runId} does not exist; `stlm runs` lists the runs")
{
    public string RunId { get; } = runId;
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

    TrainingSession(string runId, ActorSystem system, IActorRef session, Task<SessionOutcome> completion, RunState started, long startStep,
        TrainingRecipe recipe)
    {
        RunId = runId;
        Recipe = recipe;
        _system = system;
        _session = session;
        Completion = completion;
        Started = started;
        StartStep = startStep;
    }

    public string RunId { get; }

    /// <summary>What the run's journaled config decides (precision, device, …), as the session built it.</summary>
    public TrainingRecipe Recipe { get; }

    /// <summary>The run as journaled when training started (after RunCreated, or Resumed).</summary>
    public RunState Started { get; }

    /// <summary>The step training starts after: its start checkpoint's (a fork point, a resume's checkpoint), or 0.</summary>
    public long StartStep { get; }

    /// <summary>Ends when training is over: completed (max-steps reached), paused, or failed (with the reason).</summary>
    public Task<SessionOutcome> Completion { get; }

    /// <summary>The code version journaled with new runs and written into checkpoints.</summary>
    public static string CodeVersion { get; } =
        typeof(TrainingSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Finish the current step, checkpoint, journal Paused and stop; <see cref="Completion"/> then says Paused.</summary>
    public void RequestPause(string reason = "operator") => _session.Tell(new PauseTraining(reason), ActorRefs.NoSender);

    /// <summary>Why the process is shutting down (a signal): journaled as the pause's reason.</summary>
    public sealed class SignalReason(string signal) : CoordinatedShutdown.Reason
    {
        public string Signal { get; } = signal;

        // exit-clr is off: the host ends the process itself, after the run's summary.
        public override int ExitCode => 0;

        public override string ToString() => Signal;
    }

    /// <summary>
    /// Runs Akka's CoordinatedShutdown of the session's actor system (what SIGINT and SIGTERM do):
    /// its first phase pauses the run as <see cref="RequestPause"/> does — finish the step,
    /// checkpoint, journal Paused — and waits for that, then the actors stop. Completes when the
    /// actor system is down; <see cref="Completion"/> says Paused.
    /// </summary>
    public Task ShutdownAsync(string signal) => CoordinatedShutdown.Get(_system).Run(new SignalReason(signal));

    /// <summary>The first phase of the session's CoordinatedShutdown: pause the run and wait until it is paused (or over).</summary>
    static void PauseOnShutdown(ActorSystem system, IActorRef session, Task<SessionOutcome> completion) =>
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeServiceUnbind, "pause-run", async () =>
        {
            var reason = CoordinatedShutdown.Get(system).ShutdownReason?.ToString() ?? "shutdown";
            session.Tell(new PauseTraining(reason), ActorRefs.NoSender);
            await completion;
            return Akka.Done.Instance;
        });

    /// <summary>
    /// Changes a schedule (lr, dropout, layer-dropout, exit-loss-scale) from <paramref name="fromStep"/>
    /// (default: the next step not yet started) to <paramref name="value"/> ("3e-4", or "*0.5" to
    /// scale it); returns the journaled event, or throws StlmException saying why not.
    /// </summary>
    public Task<ScheduleOverridden> Override(string what, string value, long? fromStep = null) => Completion.IsCompleted
        ? Task.FromException<ScheduleOverridden>(new StlmException(
            $"run {RunId} is no longer training in this session ({Completion.Result.End.ToString().ToLowerInvariant()}): overrides of a paused run go to its journal directly"))
        : _session.Ask<ScheduleOverridden>(new OverrideRequest(what, value, fromStep), AskTimeout);

    /// <summary>
    /// Journals an evaluation of this run scored elsewhere (the cluster's evaluators) through the
    /// session's RunActor, under its lease; the observer hears it as an <see cref="EvalEvent"/>.
    /// A result the journal already holds bit for bit is rechecked, not journaled again; a refusal throws.
    /// </summary>
    public async Task RecordEvalAsync(RecordEval evaluation)
    {
        var run = await _session.Ask<IActorRef>(new GetRunRef(), AskTimeout);
        var reply = await run.Ask<RunReply>(evaluation, AskTimeout);
        EvalJournal.Report(reply, _session, ActorRefs.Nobody);
    }

    /// <summary>
    /// A new run <paramref name="runId"/> trained with <paramref name="config"/> (resolved, e.g. TrainConfigLoader.Load).
    /// <paramref name="prepared"/>: the corpus <paramref name="config"/>'s recipe prepared already (`stlm train`
    /// prepares it before journaling, so a bad corpus fails first); null: the session prepares it.
    /// </summary>
    public static Task<TrainingSession> StartNew(string runId, Config config, TrainingSessionOptions options, TrainingCorpus? prepared = null) =>
        Launch(RunIds.Validate(runId), config, options, prepared, async (run, _) =>
        {
            RunCreation.CheckBeforeJournaling(config);
            options.CheckRanks(config);
            var state = await RunActor.AskAsync(run, RunCreation.Command(runId, config), AskTimeout);
            return (config, config.ToHocon(), state, new StartPoint(state.FirstStep - 1, null, ""));
        });

    /// <summary>
    /// Goes on with a paused or crashed run from its newest committed checkpoint (or its start):
    /// the steps after the checkpoint that the journal already has are re-run and checked bit for
    /// bit before new steps are journaled. Trains with the run's journaled configuration.
    /// </summary>
    public static Task<TrainingSession> Resume(string runId, TrainingSessionOptions options) =>
        Launch(RunIds.Validate(runId), null, options, null, async (run, system) =>
        {
            var before = await RunActor.AskAsync(run, new GetRunState(), AskTimeout);
            if (!before.Exists) throw new UnknownRunException(runId);
            RefuseCompleted(before);
            var journaled = before.Created!.Config();
            var paths = options.DataDir is { } dir ? new DataFolderPaths(dir) : DataFolderPaths.Of(journaled);
            // The start checkpoint is verified before Resumed is journaled: a corrupt one leaves the journal as it was.
            var (hash, step) = RunRules.ResumePoint(before, null);
            var start = await StartOf(before, hash, step!.Value, system, paths, options.CheckpointCopy);
            if (start.CheckpointPath is { } path)
            {
                var checkpoint = Model.Checkpoints.Checkpoint.Open(path, start.CheckpointHash);
                start = start with { Verified = true };
                await FailForkThatCannotLoadAsync(run, before, checkpoint, journaled, paths);
            }
            // Trained in this data folder; checkpoints keep the config as journaled.
            var config = paths.Relocate(journaled);
            RunCreation.CheckBeforeJournaling(config);
            options.CheckRanks(config, resuming: runId);
            var state = await RunActor.AskAsync(run, new ResumeRun(Environment.MachineName, Environment.ProcessId, hash.Length > 0 ? hash : null), AskTimeout);
            return (config, journaled.ToHocon(), state, start);
        });

    /// <summary>A completed run has nothing to resume: one line saying to fork it instead.</summary>
    public static void RefuseCompleted(RunState state)
    {
        if (state.Status == RunStatus.Completed)
            throw new StlmException($"run {state.RunId} completed at step {state.Step}: there is nothing to resume; " +
                                    $"to train further, fork it: stlm fork {state.RunId} --set training.max-steps=…");
    }

    /// <summary>
    /// A new run <paramref name="runId"/> that starts from exactly the state of
    /// <paramref name="parentRunId"/>'s committed checkpoint at <paramref name="step"/> (null: its
    /// newest), with its configuration changed by <paramref name="overrides"/> ("key=value", as
    /// --set). A step with no committed checkpoint is refused in one line listing those there are.
    /// </summary>
    public static Task<TrainingSession> Fork(string parentRunId, long? step, IReadOnlyList<string> overrides, string runId, TrainingSessionOptions options) =>
        Launch(RunIds.Validate(runId), null, options, null, async (run, system) =>
        {
            var parent = await ReadRunAsync(system, parentRunId);
            if (!parent.Exists) throw new StlmException($"cannot fork {parentRunId}: no such run; `stlm runs` lists the runs");
            // The fork is journaled as trained here: in this data folder.
            var config = RunCreation.ForkConfig(parent, overrides, options.DataDir is { } dir ? new DataFolderPaths(dir) : null);
            options.CheckRanks(config);
            var paths = DataFolderPaths.Of(config);
            var state = await RunActor.AskAsync(run, RunCreation.Command(runId, config, new ForkFrom(parent, step, overrides)), AskTimeout);
            var fork = state.Fork!;
            return (config, config.ToHocon(), state, await StartOf(state, fork.ParentCheckpointHash, fork.ForkStep, system, paths, options.CheckpointCopy));
        });

    /// <summary>
    /// A fork journaled before forks were checked (<see cref="ForkableKeys"/>) may change the
    /// parameters' shapes, so its start checkpoint (its parent's) can never load: such a start is
    /// journaled as failed with the reason, and refused in one line.
    /// </summary>
    static async Task FailForkThatCannotLoadAsync(IActorRef run, RunState state, Model.Checkpoints.Checkpoint start, Config journaled, DataFolderPaths paths)
    {
        if (state.Fork is not { } fork || state.CheckpointByHash(start.ContentHash) is not null || start.Info.Config is not { } parentText) return;
        // Both configs name paths in the folders they were written in: compared as moved into this one.
        var parent = paths.Relocate(Config.ParseString(parentText, $"checkpoint {start.Name}").Resolve());
        if (ForkableKeys.FirstChange(parent, paths.Relocate(journaled)) is not { } change) return;
        var reason = $"it was forked from {fork.ParentRunId}@{fork.ForkStep} with {change.Key} = {change.Fork} (the checkpoint has {change.Parent}), so the checkpoint cannot load";
        await RunActor.AskAsync(run, new FailRun(reason), AskTimeout);
        throw new StlmException($"run {state.RunId} cannot start: {reason}; it is now failed. {ForkableKeys.Explanation}: fork {fork.ParentRunId}@{fork.ForkStep} again without that change");
    }

    /// <summary>The eval.tasks with no result at the start checkpoint, when it is the run's own (a fork's start is its parent's).</summary>
    static IReadOnlyList<string> TasksMissingAt(RunState state, StartPoint start, SessionSettings settings) =>
        start.CheckpointPath is null || state.CheckpointByHash(start.CheckpointHash) is null ? []
            : [.. settings.Tasks.Select(t => t.Name).Where(task => !state.Evals.Any(e => e.Step == start.Step && e.Task == task))];

    /// <summary>Where training starts: the run's start (no hash), one of its checkpoints, or its parent's (a fork's start).</summary>
    static async Task<StartPoint> StartOf(RunState state, string hash, long step, ActorSystem system, DataFolderPaths paths, Func<string, string, string?>? copy)
    {
        if (hash.Length == 0) return new StartPoint(step, null, "");
        string Here(string path) => copy?.Invoke(hash, path) ?? path;
        if (state.CheckpointByHash(hash) is { } own) return new StartPoint(own.Step, Here(paths.Resolve(own.Path, DataFolderPaths.JournaledDataDir(state))), own.Hash);
        var parentId = state.Fork?.ParentRunId ?? throw new StlmException($"run {state.RunId} names checkpoint {hash}, which it does not have");
        var parent = paths.Resolved(await ReadRunAsync(system, parentId));
        var theirs = parent.Checkpoints.LastOrDefault(c => c.Hash == hash)
            ?? throw new StlmException($"run {state.RunId} starts from checkpoint {hash} of {parentId}, which {parentId}'s journal does not name");
        return new StartPoint(step, Here(theirs.Path), hash);
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

    /// <summary>The config to train with, its text as journaled (written into checkpoints), the run as journaled, and where training starts.</summary>
    delegate Task<(Config Config, string ConfigText, RunState State, StartPoint Start)> Prepare(IActorRef run, ActorSystem system);

    static async Task<TrainingSession> Launch(string runId, Config? known, TrainingSessionOptions options, TrainingCorpus? prepared, Prepare prepare)
    {
        var stores = options.Stores;
        // The run's own config is known only once it is read under the lease: the lease's timing is the reference's.
        var timing = SessionTiming.From(known ?? ConfigLoader.Reference().Resolve());
        var lease = await stores.Leases.AcquireAsync(runId, options.Owner ?? LeaseOwner.ThisProcess(), timing.LeaseTtl, options.Cancel);
        var fence = new LeaseFence(stores.Leases, lease, timing.LeaseTtl);
        var timeline = options.Timeline;
        timeline?.Mark("lease");
        var system = stores.Journal.CreateSystem("stlm-session");
        RankLeader? ranks = null;
        try
        {
            RunLog.SetRun(system, runId);
            // Every write this session makes to the run's journal passes the lease fence first.
            WriteFences.Get(system).Register(RunIds.PersistenceId(runId), fence);
            var outcome = new TaskCompletionSource<SessionOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            // Retention reads other runs' forks through this system's read journal (one actor system per
            // session), started on first use: a session that never drops a checkpoint never needs it.
            var forks = new Lazy<ForkPoints>(() => new ForkPoints(new RunQueries(system), runId));
            var session = system.ActorOf(SessionActor.Props(runId, timing, options.Observer, fence,
                () => forks.Value.ReadAsync(), outcome), "session");
            PauseOnShutdown(system, session, outcome.Task);
            var run = await session.Ask<IActorRef>(new GetRunRef(), AskTimeout);
            var (config, configText, state, start) = await prepare(run, system);
            timeline?.Mark("journal recovery");
            // A missing, corrupt or truncated start checkpoint is reported here, in one line, before anything trains
            // (Resume has checked it already, before journaling Resumed: reading it all again costs time for nothing).
            if (start.CheckpointPath is { } path && !start.Verified) Model.Checkpoints.Checkpoint.Open(path, start.CheckpointHash);
            timeline?.Mark("checkpoint verified");
            var recipe = TrainingRecipe.From(config).OnDevice(options.Device);
            var settings = SessionSettings.From(config);
            var tasks = ChoiceTask.Load(settings.Tasks);
            var corpus = prepared ?? await Task.Run(() => recipe.PrepareCorpus(options.Cancel), options.Cancel);
            timeline?.Mark("corpus and tokenizer");
            // Evaluators' models are built first: building seeds the generators, and the trainer's model is built (and seeded) last.
            var evaluatorModels = Enumerable.Range(0, settings.Evaluators).Select(_ => recipe.BuildModel()).ToList();
            timeline?.Mark("evaluator models");
            ranks = StartRanks(runId, config, recipe, options);
            var setup = new TrainerSetup(runId, recipe, configText, CodeVersion, settings, start, options.BeforeStep,
                TasksMissingAt(state, start, settings))
            {
                Timeline = timeline,
                Tokenizer = recipe.KeepTokenizerWith(settings.CheckpointsOf(runId)),
                Ranks = ranks,
                EvaluatesOnCluster = options.EvaluatesOnCluster,
            };
            var writes = options.CheckpointWrite ?? Model.Checkpoints.CheckpointWriteOptions.Default;
            session.Tell(new StartTraining(setup, corpus, state, evaluatorModels, writes, tasks), ActorRefs.NoSender);
            return new TrainingSession(runId, system, session, outcome.Task, state, start.Step, recipe);
        }
        catch
        {
            ranks?.Dispose();
            await system.Terminate();
            await fence.ReleaseAsync();
            throw;
        }
    }

    /// <summary>
    /// Ranks 1.. of a data-parallel run, started once the corpus is ready (they open it too): they
    /// join rank 0's group at the rendezvous host and training.data-parallel.port, or an ephemeral port told to them.
    /// </summary>
    static RankLeader? StartRanks(string runId, Config config, TrainingRecipe recipe, TrainingSessionOptions options)
    {
        if (recipe.WorldSize == 1) return null;
        var configured = recipe.Training.DataParallel.Port;
        var host = options.RendezvousHost;
        var port = configured != 0 ? configured : FreePort(host);
        var processes = options.LaunchRanks!(runId, recipe.WorldSize, host, port, config.ToHocon());
        return new RankLeader(recipe, host, port, processes);
    }

    /// <summary>A port free on loopback or on every interface (a host other ranks reach from other machines).</summary>
    static int FreePort(string host)
    {
        var loopback = System.Net.IPAddress.TryParse(host, out var ip) ? System.Net.IPAddress.IsLoopback(ip) : host == "localhost";
        using var listener = new System.Net.Sockets.TcpListener(loopback ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Any, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
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
