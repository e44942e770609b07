using Akka.Actor;
using MessagePack;
using Stlm.Actors.Training.DataParallel;

namespace Stlm.Actors.Cluster;

/// <summary>A rank of a data-parallel run wants a slot on this trainer node; the sender owns it (<see cref="ClusterRanks"/>).</summary>
[MessagePackObject]
public sealed record ReserveRank([property: Key(0)] string RunId, [property: Key(1)] int Rank);

/// <summary>The answer to <see cref="ReserveRank"/>: granted when the node had a free slot.</summary>
[MessagePackObject]
public sealed record RankReserved([property: Key(0)] string RunId, [property: Key(1)] int Rank, [property: Key(2)] bool Granted);

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
/// process): the host's own launcher, handed to the node when it joins.
/// </summary>
public delegate IRankProcesses RankStarter(string runId, int rank, string host, int port, string configHocon);

/// <summary>
/// The ranks 1.. of data-parallel runs that a trainer node runs for runs trained elsewhere (or here),
/// at /user/rank-host. Each rank takes one of the node's <see cref="TrainerSlots"/>, as a run does.
/// Hears <see cref="ReserveRank"/> (answered <see cref="RankReserved"/>), <see cref="StartRank"/>
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

    sealed class Rank(IActorRef owner)
    {
        public IActorRef Owner { get; } = owner;
        public IRankProcesses? Process { get; set; }
    }

    sealed record SlotAnswer(Key Key, IActorRef Owner, bool Granted);

    sealed class Check
    {
        public static readonly Check Instance = new();
    }

    readonly Dictionary<Key, Rank> _ranks = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public RankHost(IActorRef slots, RankStarter start)
    {
        var here = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        Receive<ReserveRank>(r =>
        {
            var key = new Key(r.RunId, r.Rank);
            var owner = Sender;
            slots.Ask<bool>(new TrainerSlots.Take(key.Slot, owner), TimeSpan.FromSeconds(10))
                .PipeTo(Self, success: granted => new SlotAnswer(key, owner, granted), failure: _ => new SlotAnswer(key, owner, false));
        });
        Receive<SlotAnswer>(a =>
        {
            if (a.Granted && !_ranks.ContainsKey(a.Key))
            {
                _ranks[a.Key] = new Rank(a.Owner);
                Context.Watch(a.Owner);
            }
            a.Owner.Tell(new RankReserved(a.Key.RunId, a.Key.Rank, a.Granted));
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
                rank.Process ??= start(s.RunId, s.Rank, s.Host, s.Port, s.ConfigHocon);
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

    protected override void PostStop()
    {
        foreach (var rank in _ranks.Values) rank.Process?.Dispose();
        _ranks.Clear();
    }

    public static Props Props(IActorRef slots, RankStarter start) => Akka.Actor.Props.Create(() => new RankHost(slots, start));
}
