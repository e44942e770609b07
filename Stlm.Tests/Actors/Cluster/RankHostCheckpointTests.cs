using Akka.Actor;
using Stlm.Actors.Cluster;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.DataParallel;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>
/// A rank of a data-parallel run placed on a trainer node that does not share rank 0's
/// checkpoint folder: the node's <see cref="RankHost"/> fetches the checkpoint the ranks load
/// before it grants the slot, and starts the rank with the run's config moved into its own data
/// folder, where the rank finds the copy as <see cref="RankFollower"/> looks it up. Loopback members
/// in this process: member 0 holds the checkpoint (rank 0's node), member 1 hosts the rank.
/// </summary>
public sealed class RankHostCheckpointTests
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The process boundary: records what the rank would be started with (its config), starts nothing.</summary>
    sealed class RecordedRanks : IRankProcesses
    {
        public List<string> Configs { get; } = [];

        public List<Device?> Devices { get; } = [];

        public IRankProcesses Start(string runId, int rank, string host, int port, string configHocon, Device? device)
        {
            Configs.Add(configHocon);
            Devices.Add(device);
            return this;
        }

        public string Ended() => "";

        public bool WaitForExit(TimeSpan timeout) => true;

        public void Dispose() { }
    }

    [Fact]
    public async Task A_rank_node_without_rank_0s_checkpoint_fetches_it_before_granting_the_slot_and_its_rank_finds_the_copy()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB) = (dir.File("rank-0-node"), dir.File("rank-1-node"));
        var config = TinyCheckpoints.Config("llama", dataA);
        var checkpoint = TinyCheckpoints.Write(config, Path.Combine(dataA, "checkpoints", "r-dp"), step: 4);
        var journalPath = Path.GetRelativePath(dataA, checkpoint.Path);
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));
        var ranks = new RecordedRanks();
        var copies = new CheckpointCopies(cluster.Members[1], CheckpointCatalog.InDataFolder(dataB));
        var slots = cluster.Members[1].ActorOf(TrainerSlots.Props(1));
        var host = cluster.Members[1].ActorOf(RankHost.Props(slots, ranks.Start, copies, dataB));
        var owner = Inbox.Create(cluster.Members[1]);

        owner.Send(host, new ReserveRank("r-dp", 1, checkpoint.ContentHash, journalPath));
        Assert.IsType<RankFetching>(await owner.ReceiveAsync(Wait));
        Assert.Equal(new RankReserved("r-dp", 1, true), await owner.ReceiveAsync(Wait));
        var copy = copies.Find(checkpoint.ContentHash, Path.Combine(dataB, journalPath));
        Assert.NotNull(copy);
        Assert.StartsWith(copies.Catalog.CacheDir, copy);

        owner.Send(host, new StartRank("r-dp", 1, "127.0.0.1", 29500, config.ToHocon()));
        Assert.Equal(new RankStarted("r-dp", 1), await owner.ReceiveAsync(Wait));
        var given = Config.ParseString(Assert.Single(ranks.Configs), "rank 1").Resolve();
        Assert.Equal(Path.GetFullPath(dataB), given.GetString("stlm.data-dir"));
        // RankFollower's lookup: rank 0 names its own path, which is on another machine (here: gone); the rank's data folder has the verified copy.
        Directory.Delete(checkpoint.Path, recursive: true);
        Assert.Equal(copy, CheckpointCatalog.InDataFolder(given.GetString("stlm.data-dir")).Find(checkpoint.ContentHash, checkpoint.Path));
    }

    [Fact]
    public async Task A_rank_whose_checkpoint_no_live_node_holds_is_refused_with_the_reason_and_its_slot_freed()
    {
        using var dir = new TempDirectory();
        var (dataA, dataB) = (dir.File("rank-0-node"), dir.File("rank-1-node"));
        var checkpoint = TinyCheckpoints.Write(TinyCheckpoints.Config("llama", dataA), Path.Combine(dataA, "checkpoints", "r-dp"), step: 4);
        var journalPath = Path.GetRelativePath(dataA, checkpoint.Path);
        Directory.Delete(checkpoint.Path, recursive: true);   // rank 0's node lost it too
        await using var cluster = await LoopbackCluster.StartAsync(2);
        TransferAkka.StartSource(cluster.Members[0], CheckpointCatalog.InDataFolder(dataA));
        var ranks = new RecordedRanks();
        var slots = cluster.Members[1].ActorOf(TrainerSlots.Props(1));
        var host = cluster.Members[1].ActorOf(RankHost.Props(slots, ranks.Start, new CheckpointCopies(cluster.Members[1], CheckpointCatalog.InDataFolder(dataB)), dataB));
        var owner = Inbox.Create(cluster.Members[1]);

        owner.Send(host, new ReserveRank("r-dp", 1, checkpoint.ContentHash, journalPath));
        Assert.IsType<RankFetching>(await owner.ReceiveAsync(Wait));
        var refused = Assert.IsType<RankReserved>(await owner.ReceiveAsync(Wait));
        Assert.False(refused.Granted);
        Assert.Contains("has no copy of the run's checkpoint", refused.Problem);
        Assert.Contains("could not be fetched from any node", refused.Problem);
        Assert.DoesNotContain('\n', refused.Problem);
        Assert.Equal(1, (await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait)).Free);
        Assert.Empty(ranks.Configs);
    }

    [Fact]
    public async Task A_rank_of_a_gpu_run_on_a_gpu_node_is_started_on_its_slots_device()
    {
        using var dir = new TempDirectory();
        var data = dir.File("gpu-node");
        await using var cluster = await LoopbackCluster.StartAsync(1);
        var ranks = new RecordedRanks();
        var slots = cluster.Members[0].ActorOf(TrainerSlots.Props(2, gpus: true));
        var host = cluster.Members[0].ActorOf(RankHost.Props(slots, ranks.Start, new CheckpointCopies(cluster.Members[0], CheckpointCatalog.InDataFolder(data)), data));
        var owner = Inbox.Create(cluster.Members[0]);

        owner.Send(host, new ReserveRank("r-cpu", 1));
        var refused = Assert.IsType<RankReserved>(await owner.ReceiveAsync(Wait));
        Assert.False(refused.Granted);
        Assert.Contains("trains on the CPU", refused.Problem);

        slots.Tell(new TrainerSlots.Take("r-other", owner.Receiver, Gpu: true));   // cuda:0 is taken by another run
        owner.Send(host, new ReserveRank("r-gpu", 1, Gpu: true));
        Assert.Equal(new RankReserved("r-gpu", 1, true), await owner.ReceiveAsync(Wait));
        owner.Send(host, new StartRank("r-gpu", 1, "127.0.0.1", 29500, TinyCheckpoints.Config("llama", data).ToHocon()));
        Assert.Equal(new RankStarted("r-gpu", 1), await owner.ReceiveAsync(Wait));
        Assert.Equal(Device.Cuda(1), Assert.Single(ranks.Devices));
    }

    [Fact]
    public async Task The_rank_messages_naming_a_checkpoint_cross_between_members_unchanged()
    {
        await using var cluster = await LoopbackCluster.StartAsync(1);
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)cluster.Members[0]);
        object[] messages =
        [
            new ReserveRank("r-dp", 1, "ab12", "checkpoints/r-dp/step-000000004"), new ReserveRank("r-dp", 2),
            new RankFetching("r-dp", 1), new RankReserved("r-dp", 1, false, "no copy anywhere"), new RankReserved("r-dp", 2, true), new ReserveRank("r-gpu", 1, Gpu: true),
        ];
        foreach (var message in messages)
        {
            Assert.Contains(message.GetType(), ClusterMessageSerializer.Types);   // bound on every member (ClusterAkka)
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));
        }
    }
}
