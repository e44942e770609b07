using System.Diagnostics;
using System.Net;
using Npgsql;
using Stlm.Actors.Training.Run;
using Stlm.Model.Checkpoints;
using Stlm.Tests.EndToEnd;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

public sealed partial class ClusterRunTests
{
    // Every round trip of the minority to the journal takes this long (a slow link to the database), so it journals a
    // step in a few tenths of a second whatever the machine: it is still training when the resolver downs it (~5 s after the cut).
    static readonly TimeSpan MinorityJournalDelay = TimeSpan.FromMilliseconds(75);

    // Twice the other tests' run: at the minority's pace, twice the time the resolver takes.
    const int SplitSteps = 2 * Steps;

    const int SeedPort = 4053;

    [SplitNetworkFact]
    public async Task A_partition_downs_the_minority_trainer_which_stops_writing_and_the_run_finishes_on_the_majority_with_each_step_journaled_once()
    {
        var clock = Stopwatch.StartNew();
        void Say(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");
        // The run trained in one process, for the losses and weights the cluster run must end with (beside the cluster's start).
        using var reference = new DataFolder();
        using var straight = StlmChild.Start(reference.Path, reference.Environment, TinyRun.Train("straight", SplitSteps));

        using var network = SplitNetwork.Create();
        var server = JournalServer();
        using TcpRelay slow = new(network.RootSeenFromMinority, server, MinorityJournalDelay), fast = new(network.RootSeenFromMajority, server);
        var (min, maj) = (network.MinorityNamespace, network.MajorityNamespace);
        try
        {
            // Three trainer nodes sharing the data folder (checkpoint.dir on a mount every node sees), two of them and the
            // `stlm train` member on the majority side. The run goes to the minority's node: every node has room, and its address sorts first.
            var first = StartNodeIn(maj, fast, network.MajorityAddress, SeedPort, network);
            var minority = StartNodeIn(min, slow, network.MinorityAddress, SeedPort, network, waitUp: false);
            var second = StartNodeIn(maj, fast, network.MajorityAddress, SeedPort + 1, network);
            WaitUp(minority);
            Say("three trainer nodes up");
            var train = StartIn(maj, Journal(fast), [.. TinyRun.Train("split", SplitSteps), .. ClusterOn(network.MajorityAddress, 0, network)]);

            var before = await WaitForRunAsync("split", r => r.Step > 0, () => $"{minority.StdErr}\n--- train:\n{train.StdErr}");
            var placedOn = (await EventsAsync("split")).OfType<Resumed>().Single().ProcessId;
            Assert.True(placedOn == minority.Pid, $"the run went to pid {placedOn}, not to the minority's node (pid {minority.Pid}): {train.StdErr}");
            network.Partition();
            Say($"partition: the minority's node has journaled step {before.Step}");

            // The resolver on the minority side downs its own node: sharding stops its run's entity, which stops the
            // session there and then (no checkpoint, no Paused, the lease released), and the process ends.
            Assert.True(minority.WaitForExit(Timeout) == 1, minority.StdErr);
            Assert.Contains("was removed from the cluster (downed: unreachable, or on the minority side of a partition)", minority.StdErr);
            var atDown = await LoadAsync("split");
            var eventsAtDown = (await EventsAsync("split")).Count;
            Say($"minority's node gone at step {atDown.Step} ({atDown.Status}), {eventsAtDown} events");
            Assert.True(atDown.Step > before.Step && atDown.Step < SplitSteps,
                $"the minority's node trained from step {before.Step} to {atDown.Step} of {SplitSteps} between the partition and its end: it should still be training when downed");

            Assert.True(train.WaitForExit(Timeout) == 0, $"{train.StdErr}\n--- first:\n{first.StdErr}\n--- second:\n{second.StdErr}");
            Say("run completed on the majority");
            Assert.Contains($"run split completed at step {SplitSteps} on the cluster", train.StdOut);
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

            // Trained by the minority's node until it was downed, then resumed by a majority node from the newest checkpoint the
            // minority committed, re-running (and checking) the steps the minority had journaled since: each step journaled once, none lost.
            var events = await EventsAsync("split");
            var resumes = events.OfType<Resumed>().ToList();
            Assert.Equal(2, resumes.Count);
            Assert.Equal((long)minority.Pid, resumes[0].ProcessId);
            Assert.Contains(resumes[1].ProcessId, new[] { (long)first.Pid, second.Pid });
            Assert.Equal(atDown.LatestCheckpoint()?.Step ?? 0, resumes[1].Step);
            Assert.True(events.IndexOf(resumes[1]) == eventsAtDown, "the majority's Resumed is the first event after the minority's node stopped");
            Assert.Equal(Enumerable.Range(1, SplitSteps).Select(s => (long)s), events.OfType<StepCompleted>().Select(s => s.Step));
            var commits = events.OfType<CheckpointCommitted>().Select(c => c.Step).ToList();
            Assert.Equal(commits.Distinct(), commits);

            var (straightRun, split) = (reference.Run("straight"), await LoadAsync("split"));
            Assert.Equal((RunStatus.Completed, (long)SplitSteps), (split.Status, split.Step));
            Assert.True(Bits(straightRun.Losses).SequenceEqual(Bits(split.Losses)), "journaled losses differ from the run trained in one process");
            foreach (var file in new[] { CheckpointNames.Model, CheckpointNames.Optimizer, CheckpointNames.Rng })
                Assert.True(DataFolder.FileHash(straightRun.LatestCheckpoint()!, file) == DataFolder.FileHash(split.LatestCheckpoint()!, file),
                    $"{file} differs from the run trained in one process");
            SaysOnlyItsSummary(train.StdOut, "split");
        }
        finally
        {
            // Nothing may outlive the namespaces it runs in.
            foreach (var child in _children) child.Dispose();
            foreach (var child in _children) output.WriteLine($"--- stlm {child.Args[..Math.Min(40, child.Args.Length)]}…:\n{child.StdErr}");
        }
    }

    /// <summary>Where this process reaches the test PostgreSQL (its address and port, as the journal's connection names them).</summary>
    IPEndPoint JournalServer()
    {
        var pg = new NpgsqlConnectionStringBuilder(Db.ConnectionString);
        var address = IPAddress.TryParse(pg.Host, out var ip) ? ip : Dns.GetHostAddresses(pg.Host!).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
        return new IPEndPoint(address, pg.Port);
    }

    /// <summary>A child's environment with the journal reached through <paramref name="relay"/>.</summary>
    Dictionary<string, string> Journal(TcpRelay relay)
    {
        var pg = new NpgsqlConnectionStringBuilder(Db.ConnectionString) { Host = relay.Endpoint.Address.ToString(), Port = relay.Endpoint.Port, SearchPath = Db.Schema };
        return new(_data.Environment) { ["STLM_PG"] = pg.ConnectionString };
    }

    static string[] ClusterOn(IPAddress host, int port, SplitNetwork network) =>
    [
        "--set", "journal.engine=\"postgres\"", "--set", $"cluster.hostname=\"{host}\"", "--set", $"cluster.port={port}",
        "--set", $"cluster.seed-nodes=[\"{network.MajorityAddress}:{SeedPort}\"]",
        "--set", "cluster.failure-detection=2s", "--set", "cluster.split-brain-resolver.stable-after=2s",
    ];

    StlmChild StartIn(string netns, Dictionary<string, string> env, string[] args)
    {
        var child = StlmChild.StartVia(SplitNetwork.Launcher(netns), _data.Path, env, args);
        _children.Add(child);
        return child;
    }

    StlmChild StartNodeIn(string netns, TcpRelay journal, IPAddress host, int port, SplitNetwork network, bool waitUp = true)
    {
        var node = StartIn(netns, Journal(journal), ["node", "--roles", "trainer", .. ClusterOn(host, port, network)]);
        if (waitUp) WaitUp(node);
        return node;
    }

    static void WaitUp(StlmChild node) =>
        Assert.True(node.WaitForErrorLine(l => l.Contains("is up with roles"), Timeout) is not null, $"node {node.Args} did not come up: {node.StdErr}");
}
