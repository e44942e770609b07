using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Akka.Actor;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model.Checkpoints;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

/// <summary>
/// A data folder with a 0.2 MB generated story corpus (byte tokenizer, made once per test
/// process and removed when it exits) and the <see cref="TinyLlama"/> config, 8 steps with a
/// checkpoint every 3.
/// </summary>
public sealed class SessionCorpus
{
    static readonly Lazy<string> Shared = new(() =>
    {
        var dir = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => dir.Dispose();
        TrainingRecipe.From(Build(dir.Path, [])).PrepareCorpus(CancellationToken.None);
        return dir.Path;
    });

    public string DataDir => Shared.Value;

    public Config Config(IEnumerable<string> sets) => Build(DataDir, sets);

    static Config Build(string dataDir, IEnumerable<string> sets) => TrainConfigLoader.Load(null,
    [
        $"stlm.data-dir=\"{dataDir}\"", .. TinyLlama.Sets, "data.synthetic-megabytes=0.2", "data.validation-fraction=0.05",
        "training.grad-accum=1", "training.max-steps=8", "training.optimizer.lr=3e-3",
        "schedules.learning-rate.warmup-steps=2", "torch.threads=1",
        "eval.every-steps=0", "eval.batches=2", "eval.workers=1", "checkpoint.every-steps=3", "checkpoint.keep-last=0",
        .. sets,
    ]);
}

/// <summary>One test's stores and checkpoints folder, and helpers to run sessions and read runs.</summary>
public sealed class SessionRig : IAsyncDisposable
{
    readonly TempDirectory _dir = new();
    readonly SessionCorpus _corpus;

    /// <summary>Every rig journals into a SQLite file of its own, as `stlm train` does.</summary>
    public SessionRig(SessionCorpus corpus)
    {
        _corpus = corpus;
        Stores = TrainingStores.Open(new JournalLocation("sqlite", JournalPath));
    }

    public TrainingStores Stores { get; }

    string JournalPath => Path.Combine(_dir.Path, "journal.db");

    /// <summary>The same SQLite journal opened as another process would (its own connections), its leases on <paramref name="clock"/>.</summary>
    public TrainingStores OpenAsAnotherProcess(TimeProvider clock)
    {
        var store = JournalStore.Open(new JournalLocation("sqlite", JournalPath));
        return new TrainingStores(store, new RunLeaseStore(store.Dialect, clock));
    }

    public string CheckpointsDir => Path.Combine(_dir.Path, "checkpoints");

    public List<SessionEvent> Events { get; } = [];

    public Config Config(params string[] sets) => _corpus.Config([$"checkpoint.dir=\"{CheckpointsDir}\"", .. sets]);

    public TrainingSessionOptions Options(Action<long, Stlm.Model.Training.ILanguageModel>? beforeStep = null) => new(Stores)
    {
        Observer = e => { lock (Events) Events.Add(e); },
        BeforeStep = beforeStep,
    };

    /// <summary>
    /// Asks for a pause from inside a step's BeforeStep, then gives the request (which goes through
    /// the session actor) time to reach the trainer while that step still runs, so the run pauses
    /// after this step and not after a next one whose batch was read first.
    /// </summary>
    public static void PauseDuringStep(TrainingSession session)
    {
        session.RequestPause("test");
        Thread.Sleep(200);
    }

    public static async Task<SessionOutcome> Finish(TrainingSession session)
    {
        await using (session)
            return await session.Completion.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Trains a new run of the tiny config, with <paramref name="sets"/> on top, to its end.</summary>
    public async Task<SessionOutcome> TrainAsync(string runId, params string[] sets) =>
        await Finish(await TrainingSession.StartNew(runId, Config(sets), Options()));

    /// <summary>Resumes a run and trains it to its end.</summary>
    public async Task<SessionOutcome> ResumeAsync(string runId) => await Finish(await TrainingSession.Resume(runId, Options()));

    /// <summary>The run as its journal says (a fresh RunActor recovers it).</summary>
    public async Task<RunState> ReadAsync(string runId)
    {
        var system = Stores.Journal.CreateSystem("read");
        try
        {
            var run = system.ActorOf(RunActor.Props(runId, 1000), "run");
            return await RunActor.AskAsync(run, new GetRunState());
        }
        finally
        {
            await system.TerminateWithin();
        }
    }

    /// <summary>The weights and optimizer files of the run's newest checkpoint, byte for byte.</summary>
    public async Task<byte[]> FinalStateBytes(string runId)
    {
        var state = await ReadAsync(runId);
        var newest = state.LatestCheckpoint() ?? throw new InvalidOperationException($"run {runId} has no checkpoint");
        Assert.Equal(state.Step, newest.Step);
        return [.. File.ReadAllBytes(Path.Combine(newest.Path, CheckpointNames.Model)), .. File.ReadAllBytes(Path.Combine(newest.Path, CheckpointNames.Optimizer))];
    }

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        _dir.Dispose();
    }
}
