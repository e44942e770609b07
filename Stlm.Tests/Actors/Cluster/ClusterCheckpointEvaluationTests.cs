using System.Text.Json;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Support;
using Stlm.Tests.EndToEnd;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>
/// A run trained by a `stlm node --roles trainer` child process owes each checkpoint's
/// evaluations (held out and eval.tasks) to the cluster instead of scoring them: training ends
/// while they are all still owed (no evaluator is up), `stlm runs`/`stlm show` list them from the
/// journal, and an evaluator node with a data folder of its own (it fetches the checkpoints)
/// then scores them; each is journaled once, with the numbers of one process.
/// </summary>
public sealed class ClusterCheckpointEvaluationTests : IAsyncLifetime
{
    const int Steps = 8;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Eval", name);

    static readonly string Tasks = $"eval.tasks=[{{name=hellaswag, data=\"{Fixture("hellaswag_harness_sample.jsonl")}\"}}]";

    readonly DataFolder _trainerData = new();
    readonly DataFolder _evaluatorData = new();
    readonly List<StlmChild> _children = [];
    PostgresTestDatabase? _db;

    PostgresTestDatabase Db => _db ??= new PostgresTestDatabase();

    Dictionary<string, string> Environment(DataFolder data) => new(data.Environment)
    {
        ["STLM_PG"] = $"{Db.ConnectionString};Search Path={Db.Schema}",
    };

    static string[] Cluster(int seed) =>
    [
        "--set", "journal.engine=\"postgres\"", "--set", "cluster.hostname=\"127.0.0.1\"",
        "--set", $"cluster.seed-nodes=[\"127.0.0.1:{seed}\"]",
        "--set", "cluster.failure-detection=2s", "--set", "cluster.split-brain-resolver.stable-after=2s",
    ];

    StlmChild Start(DataFolder data, params string[] args)
    {
        var child = StlmChild.Start(data.Path, Environment(data), args);
        _children.Add(child);
        return child;
    }

    StlmChild StartNode(DataFolder data, string roles, int port, int seed)
    {
        var node = Start(data, ["node", "--roles", roles, "--port", port.ToString(), .. Cluster(seed)]);
        Assert.True(node.WaitForErrorLine(l => l.Contains("is up with roles"), Timeout) is not null, $"node {port} did not come up: {node.StdErr}");
        return node;
    }

    [PostgresFact]
    public async Task A_cluster_run_owes_its_checkpoint_evaluations_without_waiting_and_an_evaluator_node_journals_each_once_with_one_process_numbers()
    {
        using var reference = new DataFolder();
        using (var straight = StlmChild.Start(reference.Path, reference.Environment, TinyRun.Train("straight", Steps, Tasks)))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        var seed = LoopbackPorts.Free();
        var trainer = StartNode(_trainerData, "trainer", seed, seed);
        var train = Start(_trainerData, [.. TinyRun.Train("owed", Steps, Tasks), .. Cluster(seed)]);
        Assert.True(train.WaitForExit(Timeout) == 0, $"{train.StdErr}\n--- trainer node:\n{trainer.StdErr}");

        // No evaluator is up: training completed all the same, and every checkpoint's evaluations are owed.
        var owedKeys = new[] { 2L, 4, 6, 8 }.SelectMany(step => new[] { $"heldout@{step}", $"hellaswag@{step}" }).ToList();
        var completed = await LoadAsync("owed");
        Assert.Equal((RunStatus.Completed, (long)Steps), (completed.Status, completed.Step));
        Assert.Empty(completed.Evals);
        Assert.Equal(owedKeys, completed.PendingEvaluations.Select(o => o.ToString()));
        Assert.True(train.StdOut.Contains("owed owes 8 evaluations to the cluster's evaluators: heldout@2, hellaswag@2"), train.StdOut);

        // Any machine that reaches the journal sees them: `stlm runs` and `stlm show --json`.
        var runs = Start(_evaluatorData, ["runs", .. Cluster(seed).Take(2)]);
        Assert.True(runs.WaitForExit(Timeout) == 0, runs.StdErr);
        Assert.Contains("owed owes 8 evaluations to the cluster's evaluators: heldout@2, hellaswag@2, heldout@4", runs.StdOut);
        var show = Start(_evaluatorData, ["show", "owed", "--json", .. Cluster(seed).Take(2)]);
        Assert.True(show.WaitForExit(Timeout) == 0, show.StdErr);
        var pending = JsonDocument.Parse(show.StdOut).RootElement.GetProperty("summary").GetProperty("pendingEvals");
        Assert.Equal(owedKeys, pending.EnumerateArray().Select(e => e.GetString()!));

        var evaluator = StartNode(_evaluatorData, "evaluator", LoopbackPorts.Free(), seed);
        var evaluated = await WaitAsync("owed", run => run.PendingEvaluations.Count == 0, $"the evaluator never scored them\n--- trainer node:\n{trainer.StdErr}\n--- evaluator node:\n{evaluator.StdErr}");

        // Each journaled once, and held out bit for bit what the trainer's own process journaled on the same weights.
        var evals = (await EventsAsync("owed")).OfType<EvalCompleted>().ToList();
        Assert.Equal(owedKeys.Order(), evals.Select(e => $"{e.Task}@{e.Step}").Order());
        var straightRun = reference.Run("straight");
        foreach (var e in evals)
        {
            var one = straightRun.Evals.Single(s => s.Step == e.Step && s.Task == e.Task);
            if (e.Task == "heldout")
                Assert.Equal(Bits(one), Bits(e));
            else
                Assert.Equal(one.Metrics.Select(m => (m.Name, m.Value)), e.Metrics.Select(m => (m.Name, m.Value)));
        }
        // The evaluator had no checkpoint: it fetched them from the trainer node into its cache.
        Assert.True(Directory.Exists(Path.Combine(_evaluatorData.Path, "checkpoint-cache", "owed")), "the evaluator node's cache holds no checkpoint of the run");
        Assert.Empty(evaluated.PendingEvaluations);
    }

    static IEnumerable<(string, long)> Bits(EvalCompleted e) => e.Metrics.Select(m => (m.Name, BitConverter.DoubleToInt64Bits(m.Value)));

    async Task<RunState> WaitAsync(string runId, Func<RunState, bool> done, string failure)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var run = await LoadAsync(runId);
            if (done(run)) return run;
            Assert.True(DateTime.UtcNow < deadline, failure);
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
        _trainerData.Dispose();
        _evaluatorData.Dispose();
    }
}
