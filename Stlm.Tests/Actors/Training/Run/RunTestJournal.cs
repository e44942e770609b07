using Stlm.Tests.Support;
using Akka.Actor;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;

namespace Stlm.Tests.Actors.Training.Run;

/// <summary>
/// A temp folder with a SQLite journal, and actor systems that run RunActors on it; a "crash"
/// is terminating one system and starting another on the same file.
/// </summary>
public sealed class RunTestJournal : IAsyncDisposable
{
    readonly List<(ActorSystem System, JournalStore Store)> _systems = [];

    public string Folder { get; } = Directory.CreateTempSubdirectory("stlm-runs-").FullName;

    public string DataDir => System.IO.Path.Combine(Folder, "data");

    public string Path => System.IO.Path.Combine(DataDir, "journal.db");

    public JournalStore OpenStore() => JournalStore.Open(new JournalLocation("sqlite", Path));

    /// <summary>A read journal on its own store (closed with the harness).</summary>
    public RunQueries OpenStoreQuery()
    {
        var store = OpenStore();
        _stores.Add(store);
        return store.Query;
    }

    readonly List<JournalStore> _stores = [];

    /// <summary>A new actor system (its own connection pool) with the journal plugged in.</summary>
    public ActorSystem StartSystem()
    {
        var store = OpenStore();
        var system = store.CreateSystem("runs-" + _systems.Count);
        _systems.Add((system, store));
        return system;
    }

    public static async Task StopAsync(ActorSystem system) => await system.TerminateWithin();

    public static string Hocon(long seed = 1337) => $"torch {{ seed = {seed} }}\nmodel {{ n-layers = 2 }}\n";

    public static CreateRun Create(string id, ForkFrom? fork = null) =>
        new(id, Hocon(), "cfg-" + id, 1337, "test-build", fork);

    /// <summary>A step whose values are pure functions of the step, so re-runs reproduce them.</summary>
    public static StepCompleted Step(long step, double? loss = null) => new()
    {
        Step = step,
        Tokens = 1024,
        Loss = loss ?? 10.0 / Math.Sqrt(step),
        Lr = 6e-4,
        Dropout = 0.1,
        GradNorm = 1.5,
        StepTimeMs = 12.5,
        Cursor = new DataCursor { Epoch = 0, Position = step * 8 },
    };

    public static async Task<RunState> Ask(IActorRef run, object command) => await RunActor.AskAsync(run, command, TimeSpan.FromSeconds(20));

    public static async Task<RunState> Steps(IActorRef run, long from, long to)
    {
        RunState state = RunState.Empty;
        for (var s = from; s <= to; s++)
            state = await Ask(run, new RecordStep(Step(s)));
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (system, store) in _systems)
        {
            await system.TerminateWithin();
            await store.DisposeAsync();
        }
        foreach (var store in _stores) await store.DisposeAsync();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
