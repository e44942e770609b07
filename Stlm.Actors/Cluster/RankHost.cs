using Akka.Actor;
using MessagePack;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.DataParallel;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Cluster;

/// <summary>
/// A rank of a data-parallel run wants a slot on this trainer node; the sender owns it (<see cref="ClusterRanks"/>).
/// The rank will load the committed checkpoint <paramref name="CheckpointHash"/> ("": none), which
/// the journal names <paramref name="CheckpointPath"/>: this node makes it local first.
/// <paramref name="Gpu"/>: the run trains on GPUs, so the rank takes one of a GPU node's devices.
/// </summary>
[MessagePackObject]
public sealed record ReserveRank(
    [property: Key(0)] string RunId, [property: Key(1)] int Rank,
    [property: Key(2)] string CheckpointHash = "", [property: Key(3)] string CheckpointPath = "",
    [property: Key(4)] bool Gpu = false);

/// <summary>The answer to <see cref="ReserveRank"/>: granted when the node had a free slot (and the checkpoint); else <paramref name="Problem"/> says why when it was not for want of room.</summary>
[MessagePackObject]
public sealed record RankReserved(
    [property: Key(0)] string RunId, [property: Key(1)] int Rank, [property: Key(2)] bool Granted, [property: Key(3)] string Problem = "");

/// <summary>The rank has its slot, and this node is fetching the checkpoint it loads: <see cref="RankReserved"/> follows.</summary>
[MessagePackObject]
public sealed record RankFetching([property: Key(0)] string RunId, [property: Key(1)] int Rank);

/// <summary>Start the reserved rank: it joins rank 0's group at <paramref name="Host"/>:<paramref name="Port"/>.</summary>
[MessagePackObject]
public sealed record StartRank(
    [property: Key(0)] string RunId, [property: Key(1)] int Rank, [property: Key(2)] string Host, [property: Key(3)] int Port,
    [property: Key(4)] string ConfigHocon);

/// <summary>The rank's process runs.</summary>
[MessagePackObject]
public sealed record RankStarted([property: Key(0)] string RunId, [property: Key(1)] int Rank);

/// <summary>The rank's process ended (or never started): how, in words ("rank 1 (pid 42) on … was killed by signal 9 (SIGKILL)").</summary>
[MessagePackObject]
public sealed record RankEnded([property: Key(0)] string RunId, [property: Key(1)] int Rank, [property: Key(2)] string How);

/// <summary>
/// Starts rank <paramref name="rank"/> of run <paramref name="runId"/> on this machine (`stlm debug dp-rank`, a child
/// process), on <paramref name="device"/> when its slot is a GPU: the host's own launcher, handed to the node when it joins.
/// </summary>
public delegate IRankProcesses RankStarter(string runId, int rank, string host, int port, string configHocon, Model.LibTorch.Device? device);

/// <summary>
/// The ranks 1.. of data-parallel runs that a trainer node runs for runs trained elsewhere (or here),
/// at /user/rank-host. Each rank takes one of the node's <see cref="TrainerSlots"/>, as a run does.
/// A rank that loads a checkpoint this node lacks (no shared folder) has it fetched into the node's
/// cache before the reservation is answered (<see cref="CheckpointCopies"/>), and is started with the
/// run's config moved into this node's data folder, where it finds that copy.
/// Hears <see cref="ReserveRank"/> (answered <see cref="RankFetching"/> then <see cref="RankReserved"/>), <see cref="StartRank"/>
/// (answered <see cref="RankStarted"/>, or <see cref="RankEnded"/> when it cannot start), and tells
/// the owner <see cref="RankEnded"/> when a rank's process exits. The owner is watched: when it stops
/// (the run's session ended, or rank 0's node died) its ranks here are ended and their slots freed.
/// </summary>
public sealed class RankHost : ReceiveActor, IWithTimers
{
    public const string Name = "rank-host";

    static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(500);

    sealed record Key(string RunId, int Rank)
    {
        public string Slot => $"{RunId} rank {Rank}";
    }

    sealed class Rank(IActorRef owner, Model.LibTorch.Device? device)
    {
        public IActorRef Owner { get; } = owner;
        /// <summary>The GPU of its slot on a GPU node.</summary>
        public Model.LibTorch.Device? Device { get; } = device;
        public IRankProcesses? Process { get; set; }
    }

    sealed record SlotAnswer(Key Key, IActorRef Owner, TrainerSlots.Grant Grant, ReserveRank Asked);

    sealed record Fetched(Key Key, IActorRef Owner, string? Why);

    sealed class Check
    {
        public static readonly Check Instance = new();
    }

    readonly Dictionary<Key, Rank> _ranks = [];
    readonly CancellationTokenSource _stopping = new();

    public ITimerScheduler Timers { get; set; } = null!;

    public RankHost(IActorRef slots, RankStarter start, CheckpointCopies checkpoints, string dataDir)
    {
        var here = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        Receive<ReserveRank>(r =>
        {
            var key = new Key(r.RunId, r.Rank);
            var owner = Sender;
            slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take(key.Slot, owner, r.Gpu), TimeSpan.FromSeconds(10))
                .PipeTo(Self, success: grant => new SlotAnswer(key, owner, grant, r), failure: _ => new SlotAnswer(key, owner, new TrainerSlots.Grant(false), r));
        });
        Receive<SlotAnswer>(a =>
        {
            if (a.Grant.Granted && !_ranks.ContainsKey(a.Key))
            {
                _ranks[a.Key] = new Rank(a.Owner, a.Grant.Device);
                Context.Watch(a.Owner);
            }
            // The journaled path as this node's ranks resolve it (their config is moved into this data folder).
            var (hash, journalPath) = (a.Asked.CheckpointHash, a.Asked.CheckpointPath);
            var local = hash.Length == 0 ? "" : new DataFolderPaths(dataDir).Resolve(journalPath, null);
            if (!a.Grant.Granted || hash.Length == 0 || checkpoints.Find(hash, local) is not null)
            {
                a.Owner.Tell(new RankReserved(a.Key.RunId, a.Key.Rank, a.Grant.Granted, a.Grant.Why ?? ""));
                return;
            }
            a.Owner.Tell(new RankFetching(a.Key.RunId, a.Key.Rank));
            checkpoints.WhyNotHereAsync(hash, local, journalPath, a.Owner.Path.Address, _stopping.Token)
                .PipeTo(Self, success: why => new Fetched(a.Key, a.Owner, why), failure: e => new Fetched(a.Key, a.Owner, e.Message));
        });
        Receive<Fetched>(f =>
        {
            if (f.Why is null)
            {
                f.Owner.Tell(new RankReserved(f.Key.RunId, f.Key.Rank, _ranks.ContainsKey(f.Key)));
                return;
            }
            Free(f.Key);
            f.Owner.Tell(new RankReserved(f.Key.RunId, f.Key.Rank, false, $"rank {f.Key.Rank}'s node {here} has no copy of the run's checkpoint, and {f.Why}"));
        });
        Receive<StartRank>(s =>
        {
            var key = new Key(s.RunId, s.Rank);
            if (!_ranks.TryGetValue(key, out var rank) || !rank.Owner.Equals(Sender))
            {
                Sender.Tell(new RankEnded(s.RunId, s.Rank, $"rank {s.Rank} has no slot reserved on {here}"));
                return;
            }
            try
            {
                rank.Process ??= start(s.RunId, s.Rank, s.Host, s.Port, InThisDataFolder(s.ConfigHocon, dataDir), rank.Device);
                Sender.Tell(new RankStarted(s.RunId, s.Rank));
                Timers.StartPeriodicTimer("check", Check.Instance, CheckEvery);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
            {
                End(key, $"rank {s.Rank} could not start on {here}: {e.Message}");
            }
        });
        Receive<Check>(_ =>
        {
            foreach (var (key, rank) in _ranks.Where(p => p.Value.Process is not null).ToList())
                if (rank.Process!.Ended() is { Length: > 0 } how) End(key, $"{how} on {here}");
            if (!_ranks.Values.Any(r => r.Process is not null)) Timers.Cancel("check");
        });
        Receive<Terminated>(t =>
        {
            foreach (var key in _ranks.Where(p => p.Value.Owner.Equals(t.ActorRef)).Select(p => p.Key).ToList()) Free(key);
        });
        void End(Key key, string how)
        {
            if (_ranks.TryGetValue(key, out var rank)) rank.Owner.Tell(new RankEnded(key.RunId, key.Rank, how));
            Free(key);
        }
        void Free(Key key)
        {
            if (!_ranks.Remove(key, out var rank)) return;
            rank.Process?.Dispose();
            slots.Tell(new TrainerSlots.Release(key.Slot));
            if (!_ranks.Values.Any(r => r.Owner.Equals(rank.Owner))) Context.Unwatch(rank.Owner);
        }
    }

    /// <summary>
    /// The run's config (as rank 0 trains it) moved into this node's data folder: the rank prepares
    /// the corpus there and finds a fetched checkpoint in this node's cache.
    /// </summary>
    static string InThisDataFolder(string configHocon, string dataDir) =>
        new DataFolderPaths(dataDir).Relocate(Config.ParseString(configHocon, "the run's config from rank 0").Resolve()).ToHocon();

    protected override void PostStop()
    {
        _stopping.Cancel();
        foreach (var rank in _ranks.Values) rank.Process?.Dispose();
        _ranks.Clear();
    }

    public static Props Props(IActorRef slots, RankStarter start, CheckpointCopies checkpoints, string dataDir) =>
        Akka.Actor.Props.Create(() => new RankHost(slots, start, checkpoints, dataDir));
}
