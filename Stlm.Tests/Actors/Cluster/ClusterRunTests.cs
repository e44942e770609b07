using Xunit.Abstractions;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Model.Checkpoints;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>
/// Runs on a cluster of `stlm node` child processes on 127.0.0.1 over a real PostgreSQL journal
/// (a fresh schema per test): two trainer nodes, and `stlm train` as the member that hands the
/// run over and follows it. The tiny run of the guarantee tests (<see cref="TinyRun"/>).
/// </summary>
public sealed partial class ClusterRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    const int Steps = 24;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    readonly DataFolder _data = new();
    readonly List<StlmChild> _children = [];
    PostgresTestDatabase? _db;

    PostgresTestDatabase Db => _db ??= new PostgresTestDatabase();

    Dictionary<string, string> Environment(string? fault = null) => Environment(_data, fault);

    /// <summary>A process with a data folder of its own (nothing shared but the journal).</summary>
    Dictionary<string, string> Environment(DataFolder data, string? fault = null) =>
        new(fault is null ? data.Environment : data.WithFault(fault))
        {
            ["STLM_PG"] = $"{Db.ConnectionString};Search Path={Db.Schema}",
        };

    static string[] Cluster(params int[] seeds) =>
    [
        "--set", "journal.engine=\"postgres\"", "--set", "cluster.hostname=\"127.0.0.1\"",
        "--set", $"cluster.seed-nodes=[{string.Join(", ", seeds.Select(p => $"\"127.0.0.1:{p}\""))}]",
        // Fail over within seconds: a killed node is unreachable after ~2 s and downed 2 s later.
        "--set", "cluster.failure-detection=2s", "--set", "cluster.split-brain-resolver.stable-after=2s",
    ];

    StlmChild Start(Dictionary<string, string> env, params string[] args)
    {
        var child = StlmChild.Start(_data.Path, env, args);
        _children.Add(child);
        return child;
    }

    StlmChild StartNode(int port, int[] seeds, string? fault = null, params string[] more) => StartNode(Environment(fault), port, seeds, more);

    StlmChild StartNodeIn(DataFolder data, int port, int[] seeds, string? fault = null, string roles = "trainer") =>
        StartNode(Environment(data, fault), port, seeds, ["--roles", roles]);

    StlmChild StartNode(Dictionary<string, string> env, int port, int[] seeds, string[] more)
    {
        var node = Start(env, ["node", "--port", port.ToString(), .. Cluster(seeds), .. more]);
        Assert.True(node.WaitForErrorLine(l => l.Contains("is up with roles"), Timeout) is not null, $"node {port} did not come up: {node.StdErr}");
        return node;
    }

    [PostgresFact]
    public async Task A_run_whose_trainer_node_is_killed_finishes_on_another_trainer_node_bit_identical_to_one_process()
    {
        using var reference = new DataFolder();
        using (var straight = StlmChild.Start(reference.Path, reference.Environment, TinyRun.Train("straight", Steps)))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        // Both nodes have room, so the run goes to the lower address (TrainerPlacement's tie-break): the first seed. Its journal
        // stops for good before the 6th commit, so the run is killed there with journaled steps after its last checkpoint.
        int[] seeds = [.. new[] { LoopbackPorts.Free(), LoopbackPorts.Free() }.OrderBy(p => $"127.0.0.1:{p}", StringComparer.Ordinal)];
        var first = StartNode(seeds[0], seeds, fault: "journal:before-commit@6");
        var second = StartNode(seeds[1], seeds);
        var train = Start(Environment(), [.. TinyRun.Train("moved", Steps), .. Cluster(seeds)]);
        Assert.True(first.WaitForFault(Timeout) is not null, $"the first node never trained the run: {first.StdErr}\n{train.StdErr}");
        var killedAt = await LoadAsync("moved");
        first.Kill();

        Assert.True(train.WaitForExit(Timeout) == 0, $"{train.StdErr}\n--- second node:\n{second.StdErr}");
        Assert.Contains($"run moved completed at step {Steps} on the cluster", train.StdOut);
        SaysOnlyItsSummary(train.StdOut, "moved");

        var (straightRun, moved) = (reference.Run("straight"), await LoadAsync("moved"));
        Assert.Equal((RunStatus.Completed, (long)Steps), (moved.Status, moved.Step));
        Assert.True(Bits(straightRun.Losses).SequenceEqual(Bits(moved.Losses)), "journaled losses differ from the run trained in one process");
        var (a, b) = (straightRun.LatestCheckpoint()!, moved.LatestCheckpoint()!);
        Assert.Equal((long)Steps, b.Step);
        foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
            Assert.True(DataFolder.FileHash(a, file) == DataFolder.FileHash(b, file), $"{file} differs from the run trained in one process");

        // Trained first by the killed node, then resumed by the second from a checkpoint before the kill, every step journaled once.
        var resumes = (await EventsAsync("moved")).OfType<Resumed>().Select(r => r.ProcessId).ToList();
        Assert.Equal([(long)first.Pid, (long)second.Pid], resumes);
        Assert.True(killedAt.Step is > 0 and < Steps, $"killed at step {killedAt.Step}");
        Assert.Equal(Enumerable.Range(1, Steps).Select(s => (long)s), (await EventsAsync("moved")).OfType<StepCompleted>().Select(s => s.Step));
    }

    [Fact]
    public void Train_on_a_cluster_over_a_sqlite_journal_is_refused_in_one_line_before_anything_is_journaled()
    {
        using var train = StlmChild.Start(_data.Path, _data.Environment, [.. TinyRun.Train("refused", Steps), "--set", "cluster.seed-nodes=[\"127.0.0.1:4053\"]"]);
        Assert.Equal(2, train.WaitForExit(Timeout));
        var said = Assert.Single(TinyRun.Said(train.StdErr));
        Assert.StartsWith("stlm: a cluster needs one journal that every node shares, and journal.engine = \"sqlite\" keeps it in a file of this machine", said);
        Assert.EndsWith("or leave cluster.seed-nodes empty to train in this process", said);
        Assert.False(File.Exists(_data.Journal), "no journal was created");
    }

    async Task<RunState> LoadAsync(string runId) => new DataFolderPaths(_data.Path).Resolved(await Db.LoadRunAsync(runId));

    Task<List<object>> EventsAsync(string runId) => Db.RunEventsAsync(runId);

    static IEnumerable<long> Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits);

    /// <summary>Stdout holds the command's summary of the run and nothing else (no log line of Akka's as the member leaves).</summary>
    static void SaysOnlyItsSummary(string stdout, string runId) =>
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            line => Assert.True(line.StartsWith($"run {runId} ", StringComparison.Ordinal) || line.StartsWith($"{runId} ", StringComparison.Ordinal), $"stdout: {line}"));


    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var child in _children) child.Dispose();
        if (_db is not null) await _db.DisposeAsync();
        _data.Dispose();
    }
}
