using ClusterEvent = Akka.Cluster.ClusterEvent;
using MemberStatus = Akka.Cluster.MemberStatus;
using Stlm.Actors.Cluster;
using Stlm.Actors.Configuration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

public sealed class ClusterBootstrapTests
{
    static ClusterSettings Settings(params string[] sets) => ClusterSettings.From(ConfigLoader.Load(null, sets));

    [Fact]
    public void No_seed_nodes_means_no_cluster()
    {
        var settings = Settings();
        Assert.False(settings.Enabled);
        Assert.Equal(["trainer"], settings.Roles);
        Assert.Equal("keep-majority", settings.SplitBrain.Strategy);
        Assert.Equal(1, settings.RunsPerTrainer);
    }

    [Fact]
    public void Seed_nodes_written_as_host_and_port_become_akka_addresses()
    {
        var settings = Settings("cluster.seed-nodes=[\"10.0.0.5:4053\", \"akka.tcp://stlm@10.0.0.6:4054\"]", "cluster.hostname=\"10.0.0.7\"");
        Assert.True(settings.Enabled);
        Assert.Equal(["akka.tcp://stlm@10.0.0.5:4053", "akka.tcp://stlm@10.0.0.6:4054"], settings.SeedNodes);
        Assert.Equal("akka.tcp://stlm@10.0.0.7:4053", settings.Address);
    }

    [Fact]
    public void Bad_cluster_settings_are_one_line_each()
    {
        Assert.Contains("is not host:port", Assert.Throws<StlmException>(() => Settings("cluster.seed-nodes=[\"10.0.0.5\"]")).Message);
        Assert.Contains("role \"gpu\" is not known", Assert.Throws<StlmException>(() => Settings("cluster.roles=[gpu]")).Message);
        Assert.Contains("is not known: use one of keep-majority", Assert.Throws<StlmException>(() => Settings("cluster.split-brain-resolver.active-strategy=majority")).Message);
        Assert.Contains("must be 1 or more", Assert.Throws<StlmException>(() => Settings("cluster.runs-per-trainer=0")).Message);
        Assert.Contains("--port = 70000 is not a port", Assert.Throws<StlmException>(() => Settings().WithNodeOptions(null, 70000)).Message);
    }

    [Fact]
    public void A_gpu_node_has_a_slot_per_device_and_is_refused_where_this_libtorch_sees_fewer()
    {
        Assert.Equal(3, Settings("cluster.runs-per-trainer=3").TrainerSlots);
        var gpuNode = Settings("cluster.runs-per-trainer=3", "cluster.gpus=2");
        Assert.Equal(2, gpuNode.TrainerSlots);
        gpuNode.RequireGpus(visible: 2);
        var refused = Assert.Throws<StlmException>(() => gpuNode.RequireGpus(visible: 0)).Message;
        Assert.Equal("cluster.gpus = 2 but this libtorch sees no CUDA device (built without CUDA, or no GPU visible): " +
                     "set cluster.gpus = 0 (0 makes this a CPU trainer node), or start the node where the GPUs are", refused);
        Assert.Contains("sees only 1 CUDA device(s): set cluster.gpus = 1", Assert.Throws<StlmException>(() => gpuNode.RequireGpus(visible: 1)).Message);
        Assert.Contains("cluster.gpus = -1 is negative", Assert.Throws<StlmException>(() => Settings("cluster.gpus=-1")).Message);
    }

    [Fact]
    public void Node_over_a_sqlite_journal_is_refused_in_one_line_saying_why()
    {
        using var dir = new TempDirectory();
        var result = StlmProcess.Run(dir.Path, new Dictionary<string, string> { ["STLM_DATA_DIR"] = dir.Path },
            "node", "--port", "0", "--set", "cluster.seed-nodes=[\"127.0.0.1:4053\"]");
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("a cluster needs one journal that every node shares", line);
        Assert.Contains("journal.engine = \"postgres\"", line);
        Assert.False(File.Exists(Path.Combine(dir.Path, "journal.db")), "nothing is created in the data folder");
    }

    [PostgresFact]
    public async Task Members_join_through_a_seed_and_a_member_that_leaves_is_removed()
    {
        await using var db = new PostgresTestDatabase();
        await using var journal = JournalStore.Open(db.CreateDialect());
        using var data = new TempDirectory();
        var port = LoopbackPorts.Free();
        var seed = Settings($"cluster.seed-nodes=[\"127.0.0.1:{port}\"]", "cluster.hostname=\"127.0.0.1\"", $"cluster.port={port}",
            "cluster.roles=[evaluator]");
        await using var first = await ClusterNode.JoinAsync(seed, journal, data.Path, joinTimeout: TimeSpan.FromSeconds(30));
        await using var second = await ClusterNode.JoinAsync(seed with { Port = 0 }, journal, data.Path, joinTimeout: TimeSpan.FromSeconds(30));

        Assert.Equal(2, first.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up));
        var removed = new TaskCompletionSource();
        first.Cluster.Subscribe(first.System.ActorOf(Akka.Actor.Props.Create(() => new RemovalWatcher(second.Address, removed))),
            ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        await second.LeaveAsync();
        await removed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(second.Left);
    }

    sealed class RemovalWatcher : Akka.Actor.ReceiveActor
    {
        public RemovalWatcher(Akka.Actor.Address watched, TaskCompletionSource removed) =>
            Receive<ClusterEvent.MemberRemoved>(m => { if (m.Member.Address == watched) removed.TrySetResult(); });
    }

}
