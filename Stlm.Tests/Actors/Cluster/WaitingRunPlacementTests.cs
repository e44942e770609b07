using Stlm.Actors.Cluster;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Support;
using Stlm.Tests.EndToEnd;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>
/// A run with no room waits on a full trainer node (cluster.runs-per-trainer = 1), journaled as
/// paused with the reason; when a trainer node with a free slot joins, the run moves there and
/// trains, while the run on the full node is never moved. `stlm node` child processes on
/// 127.0.0.1 over a real PostgreSQL journal.
/// </summary>
public sealed class WaitingRunPlacementTests : IAsyncLifetime
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    readonly DataFolder _data = new();
    readonly List<StlmChild> _children = [];
    PostgresTestDatabase? _db;

    PostgresTestDatabase Db => _db ??= new PostgresTestDatabase();

    Dictionary<string, string> Environment() => new(_data.Environment) { ["STLM_PG"] = $"{Db.ConnectionString};Search Path={Db.Schema}" };

    static string[] Cluster(int seed) =>
    [
        "--set", "journal.engine=\"postgres\"", "--set", "cluster.hostname=\"127.0.0.1\"",
        "--set", $"cluster.seed-nodes=[\"127.0.0.1:{seed}\"]",
        "--set", "cluster.failure-detection=2s", "--set", "cluster.split-brain-resolver.stable-after=2s",
    ];

    StlmChild Start(params string[] args)
    {
        var child = StlmChild.Start(_data.Path, Environment(), args);
        _children.Add(child);
        return child;
    }

    StlmChild StartNode(int port, int seed)
    {
        var node = Start(["node", "--roles", "trainer", "--port", port.ToString(), .. Cluster(seed)]);
        Assert.True(node.WaitForErrorLine(l => l.Contains("is up with roles"), Timeout) is not null, $"node {port} did not come up: {node.StdErr}");
        return node;
    }

    [PostgresFact]
    public async Task A_run_waiting_for_room_moves_to_a_trainer_node_that_joins_with_a_free_slot()
    {
        var seed = LoopbackPorts.Free();
        var full = StartNode(seed, seed);
        // The first run keeps the only slot of the first node for as long as the test lasts.
        Start([.. TinyRun.Train("busy", 1_000_000, "checkpoint.every-steps=100000"), .. Cluster(seed)]);
        await WaitAsync("busy", run => run.Status == RunStatus.Running && run.Step > 0, () => $"the first run never trained: {full.StdErr}");

        var waiting = Start([.. TinyRun.Train("moved", 8), .. Cluster(seed)]);
        Assert.True(waiting.WaitForErrorLine(l => l.Contains("every trainer node is full"), Timeout) is not null, waiting.StdErr);
        Assert.True(RunEntity.IsWaiting(await LoadAsync("moved")), "the waiting run is journaled as waiting for a trainer node");

        var joined = StartNode(LoopbackPorts.Free(), seed);
        Assert.True(waiting.WaitForExit(Timeout) == 0, $"{waiting.StdErr}\n--- full node:\n{full.StdErr}\n--- joined node:\n{joined.StdErr}");
        Assert.Contains("run moved completed at step 8 on the cluster", waiting.StdOut);
        Assert.Equal([(long)joined.Pid], (await EventsAsync("moved")).OfType<Resumed>().Select(r => r.ProcessId));
        // The training run stayed where it was.
        Assert.Equal([(long)full.Pid], (await EventsAsync("busy")).OfType<Resumed>().Select(r => r.ProcessId));
        Assert.Equal(RunStatus.Running, (await LoadAsync("busy")).Status);
    }

    async Task<RunState> WaitAsync(string runId, Func<RunState, bool> done, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await LoadAsync(runId);
            if (done(run)) return run;
            Assert.True(DateTime.UtcNow < deadline, $"run {runId} is {run.Status} ({run.StatusReason}) at step {run.Step}: {failure()}");
            await Task.Delay(500);
        }
    }

    Task<RunState> LoadAsync(string runId) => Db.LoadRunAsync(runId);

    Task<List<object>> EventsAsync(string runId) => Db.RunEventsAsync(runId);


    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var child in _children) child.Dispose();
        if (_db is not null) await _db.DisposeAsync();
        _data.Dispose();
    }
}
