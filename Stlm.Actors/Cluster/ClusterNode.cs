using Akka.Actor;
using Stlm.Actors.Persistence;
using Stlm.Model;

namespace Stlm.Actors.Cluster;

/// <summary>
/// This process as a member of an Akka cluster: its actor system (remoting, cluster provider,
/// split-brain resolver; <see cref="ClusterAkka"/>), joined through the seed nodes, with the
/// actors of its roles started once it is Up (<see cref="NodeRoles.StartActors"/>). Leaving runs
/// Akka's CoordinatedShutdown: the cluster is told, hosted runs are handed off, then the system stops.
/// <code>
/// await using var node = await ClusterNode.JoinAsync(ClusterSettings.From(config), store, dataDir, ct);
/// Console.CancelKeyPress += (_, e) => { e.Cancel = true; _ = node.LeaveAsync(); };
/// await node.WhenTerminated;
/// </code>
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    static readonly TimeSpan DefaultJoinTimeout = TimeSpan.FromSeconds(60);

    ClusterNode(ActorSystem system, ClusterSettings settings, JournalStore journal, string dataDir, RankStarter? rankStarter)
    {
        RankStarter = rankStarter;
        System = system;
        Settings = settings;
        Journal = journal;
        DataDir = dataDir;
    }

    public ActorSystem System { get; }

    public ClusterSettings Settings { get; }

    /// <summary>The journal every member shares (PostgreSQL).</summary>
    public JournalStore Journal { get; }

    /// <summary>This process's data folder (corpora, tokenizers, logs); checkpoints go to the runs' checkpoint.dir.</summary>
    public string DataDir { get; }

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>This member's address, e.g. akka.tcp://stlm@10.0.0.5:4053.</summary>
    public Address Address => Cluster.SelfAddress;

    /// <summary>Runs of the cluster (sharding's region on a trainer node, a proxy elsewhere): tell it <see cref="TrainRun"/>.</summary>
    public IActorRef Runs { get; internal set; } = ActorRefs.Nobody;

    /// <summary>The committed checkpoints this node holds or fetches from the others (its cache: &lt;data-dir&gt;/checkpoint-cache).</summary>
    public Transfer.CheckpointCopies Checkpoints { get; internal set; } = null!;

    /// <summary>Starts ranks 1.. of data-parallel runs on this machine (a trainer node hosts them, <see cref="RankHost"/>); null: it hosts none.</summary>
    public RankStarter? RankStarter { get; }

    public bool Has(string role) => Settings.Roles.Contains(role);

    /// <summary>Ends when the actor system has stopped: after <see cref="LeaveAsync"/>, or when the cluster downed this member.</summary>
    public Task WhenTerminated => System.WhenTerminated;

    /// <summary>True once this member left on its own (<see cref="LeaveAsync"/>); false when the cluster removed it.</summary>
    public bool Left { get; private set; }

    /// <summary>
    /// Starts this process's member and waits until it is Up (the seeds answered and
    /// cluster.min-nr-of-members are there); a journal that is not shared is refused first.
    /// A trainer node given <paramref name="rankStarter"/> also runs ranks of data-parallel runs.
    /// </summary>
    public static async Task<ClusterNode> JoinAsync(ClusterSettings settings, JournalStore journal, string dataDir,
        CancellationToken ct = default, TimeSpan? joinTimeout = null, RankStarter? rankStarter = null)
    {
        ClusterSettings.RequireSharedJournal(journal.Location);
        if (settings.Gpus > 0 && settings.Roles.Contains(NodeRoles.Trainer))
            settings.RequireGpus(Model.LibTorch.Torch.CudaIsAvailable ? Model.LibTorch.Torch.CudaDeviceCount : 0);
        ActorSystem system;
        try
        {
            system = ActorSystem.Create(ClusterSettings.SystemName, ClusterAkka.For(settings, journal.Dialect));
        }
        catch (Exception e) when (e is Akka.Remote.RemoteTransportException or global::System.Net.Sockets.SocketException)
        {
            throw new StlmException($"cannot listen on {settings.Host}:{settings.Port} ({(e.InnerException ?? e).Message}): " +
                                    "choose another port (stlm node --port N, or cluster.port) or set cluster.hostname to an address of this machine", e);
        }
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => up.TrySetResult());
        var timeout = joinTimeout ?? DefaultJoinTimeout;
        var first = await Task.WhenAny(up.Task, Task.Delay(timeout, ct), system.WhenTerminated);
        if (first != up.Task)
        {
            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
            ct.ThrowIfCancellationRequested();
            throw new StlmException($"could not join the cluster through {string.Join(", ", settings.SeedNodes)} within {timeout.TotalSeconds:0} s: " +
                                    "start the first seed node first (stlm node), check that every node lists the same cluster.seed-nodes, " +
                                    $"and that {settings.Host} is an address the others reach (cluster.hostname)");
        }
        var node = new ClusterNode(system, settings, journal, dataDir, rankStarter);
        NodeRoles.StartActors(node);
        return node;
    }

    /// <summary>
    /// Leaves the cluster gracefully through CoordinatedShutdown: the others are told, runs hosted
    /// here are handed off (each paused at a checkpoint, then trained on another trainer node),
    /// and the actor system stops. Completes when it has.
    /// </summary>
    public async Task LeaveAsync()
    {
        Left = true;
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        await System.WhenTerminated;
    }

    public async ValueTask DisposeAsync()
    {
        if (!System.WhenTerminated.IsCompleted) await LeaveAsync();
    }
}
