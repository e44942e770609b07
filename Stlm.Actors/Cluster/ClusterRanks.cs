using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Training.DataParallel;
using Stlm.Model.Training.DataParallel;

namespace Stlm.Actors.Cluster;

/// <summary>Ranks 1.. placed and reserved (<paramref name="Ranks"/>), or null and, when it was not for want of room, <paramref name="Why"/>.</summary>
public sealed record RankPlacement(ClusterRanks? Ranks, string? Why = null);

/// <summary>
/// Ranks 1.. of a data-parallel run on the cluster's trainer nodes, for rank 0 (the run's entity,
/// <see cref="RunEntity"/>, trains it in its node's process). <see cref="PlaceAsync"/> picks a
/// trainer slot for each rank — on the trainer nodes with most free slots, so the ranks spread —
/// and reserves it there (<see cref="RankHost"/>); <see cref="Launch"/> is the session's
/// <see cref="RankLauncher"/>: it starts them, each told rank 0's address. A rank whose process
/// ends, or whose node leaves, is reported to rank 0 (<see cref="Ended"/>) when its collective fails.
/// Disposing ends the ranks and frees their slots (the hosts watch this group's actor).
/// </summary>
public sealed class ClusterRanks : IRankProcesses
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    static readonly TimeSpan FetchTimeout = TimeSpan.FromMinutes(30);

    readonly ActorSystem _system;
    readonly IActorRef _group;
    readonly IReadOnlyDictionary<int, Address> _placed;
    readonly ConcurrentDictionary<int, string> _ended = new();
    bool _disposed;

    ClusterRanks(ActorSystem system, string runId, IReadOnlyDictionary<int, Address> placed)
    {
        _system = system;
        _placed = placed;
        _group = system.ActorOf(RankGroup.Props(runId, placed, _ended));
    }

    /// <summary>Where each rank 1.. runs: rank → trainer node.</summary>
    public IReadOnlyDictionary<int, Address> Placed => _placed;

    /// <summary>
    /// Reserves a trainer slot for each of ranks 1..<paramref name="worldSize"/>−1 (rank 0 holds the
    /// entity's own); no ranks when the reachable trainer nodes have too few free slots, or one refused.
    /// A rank's node that lacks <paramref name="start"/> (the checkpoint the ranks load, on rank 0's
    /// node) fetches it before it answers; one that cannot says why. <paramref name="gpu"/>: the run
    /// trains on GPUs, so each rank takes one of a GPU node's devices.
    /// </summary>
    public static async Task<RankPlacement> PlaceAsync(ClusterNode node, string runId, int worldSize, StartCheckpoint? start = null, bool gpu = false)
    {
        var cluster = node.Cluster;
        var trainers = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.Trainer) && !cluster.State.Unreachable.Contains(m))
            .Select(m => m.Address).ToList();
        var free = (await Task.WhenAll(trainers.Select(async a => (Address: a, Free: await FreeSlotsAt(node.System, a, gpu))))).ToDictionary(p => p.Address, p => p.Free);
        var placed = new Dictionary<int, Address>();
        for (var rank = 1; rank < worldSize; rank++)
        {
            var best = free.Where(p => p.Value > 0).OrderByDescending(p => p.Value).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).FirstOrDefault();
            if (best.Key is null) return new RankPlacement(null);
            placed[rank] = best.Key;
            free[best.Key] = best.Value - 1;
        }
        var ranks = new ClusterRanks(node.System, runId, placed);
        // A node copying a large checkpoint answers late; its fetch gives up by itself when the source goes silent.
        var refused = await ranks._group.Ask<string>(new RankGroup.Reserve(start?.Hash ?? "", start?.JournalPath ?? "", gpu), start is null ? AskTimeout : FetchTimeout);
        if (refused.Length == 0) return new RankPlacement(ranks);
        ranks.Dispose();
        return new RankPlacement(null, refused == RankGroup.NoRoom ? null : refused);
    }

    static async Task<int> FreeSlotsAt(ActorSystem system, Address address, bool gpu)
    {
        try
        {
            var slots = system.ActorSelection(new RootActorPath(address) / "user" / TrainerSlots.Name);
            return (await slots.Ask<FreeSlots>(GetFreeSlots.Instance, TimeSpan.FromSeconds(3))).FreeFor(gpu);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return 0;
        }
    }

    /// <summary>The session's <see cref="RankLauncher"/>: starts the reserved ranks, each joining rank 0's group at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public IRankProcesses Launch(string runId, int worldSize, string host, int port, string configHocon)
    {
        if (worldSize - 1 != _placed.Count)
            throw new InvalidOperationException($"{_placed.Count} rank(s) were placed for a world of {worldSize}");
        var failed = _group.Ask<string>(new RankGroup.Launch(host, port, configHocon), AskTimeout).GetAwaiter().GetResult();
        if (failed.Length > 0) throw new RankLostException($"the ranks of run {runId} did not start on the cluster: {failed}");
        return this;
    }

    public string Ended()
    {
        var unreachable = Akka.Cluster.Cluster.Get(_system).State.Unreachable.Select(m => m.Address).ToHashSet();
        return string.Join("; ", _placed.Keys.Order().Select(rank =>
            _ended.TryGetValue(rank, out var how) ? how
            : unreachable.Contains(_placed[rank]) ? $"rank {rank}'s node {_placed[rank]} is unreachable"
            : null).OfType<string>());
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (_ended.Count < _placed.Count && clock.Elapsed < timeout) Thread.Sleep(50);
        return _ended.Count == _placed.Count;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _system.Stop(_group);
    }

    /// <summary>
    /// The owner of the run's ranks on the hosts (they watch it): reserves, starts, and hears
    /// <see cref="RankEnded"/>; a host's node that leaves the cluster ends the ranks it ran.
    /// </summary>
    sealed class RankGroup : ReceiveActor, IWithTimers
    {
        /// <summary>Reserve a slot per rank (a GPU when <paramref name="Gpu"/>); each rank's node makes the checkpoint <paramref name="Hash"/> (none: "") local first.</summary>
        public sealed record Reserve(string Hash, string Path, bool Gpu);

        /// <summary>The answer to <see cref="Reserve"/> when a node had no free slot.</summary>
        public const string NoRoom = "no room";

        public sealed record Launch(string Host, int Port, string ConfigHocon);

        sealed class GiveUp
        {
            public static readonly GiveUp Instance = new();
        }

        readonly string _runId;
        readonly IReadOnlyDictionary<int, Address> _placed;
        readonly ConcurrentDictionary<int, string> _ended;
        readonly HashSet<int> _waiting = [];
        readonly HashSet<int> _fetching = [];
        IActorRef _asker = ActorRefs.Nobody;

        public ITimerScheduler Timers { get; set; } = null!;

        public RankGroup(string runId, IReadOnlyDictionary<int, Address> placed, ConcurrentDictionary<int, string> ended)
        {
            (_runId, _placed, _ended) = (runId, placed, ended);
            Receive<Reserve>(r =>
            {
                Ask(rank => new ReserveRank(_runId, rank, r.Hash, r.Path, r.Gpu));
                Become(Reserving);
            });
            Receive<Launch>(l =>
            {
                Ask(rank => new StartRank(_runId, rank, l.Host, l.Port, l.ConfigHocon));
                Become(Starting);
            });
            Always();
        }

        void Ask(Func<int, object> message)
        {
            _asker = Sender;
            foreach (var (rank, node) in _placed)
            {
                _waiting.Add(rank);
                Context.ActorSelection(new RootActorPath(node) / "user" / RankHost.Name).Tell(message(rank));
            }
            Timers.StartSingleTimer("give-up", GiveUp.Instance, AskTimeout - TimeSpan.FromSeconds(5));
        }

        void Reserving()
        {
            Receive<RankReserved>(r =>
            {
                if (!r.Granted) { Answer(r.Problem.Length > 0 ? r.Problem : NoRoom); return; }
                Context.Watch(Sender);
                _waiting.Remove(r.Rank);
                _fetching.Remove(r.Rank);
                if (_waiting.Count == 0) Answer("");
            });
            // A node fetching the checkpoint answers when its copy is verified, however long that takes: the
            // fetch itself gives up on a silent source, and the node is watched meanwhile (it may die).
            Receive<RankFetching>(f =>
            {
                Context.Watch(Sender);
                _fetching.Add(f.Rank);
                if (_waiting.IsSubsetOf(_fetching)) Timers.Cancel("give-up");
            });
            Receive<GiveUp>(_ => Answer($"rank(s) {string.Join(", ", _waiting.Order())} got no answer about a trainer slot from {string.Join(", ", _waiting.Order().Select(r => _placed[r]))}"));
            Receive<Launch>(l =>
            {
                Ask(rank => new StartRank(_runId, rank, l.Host, l.Port, l.ConfigHocon));
                Become(Starting);
            });
            Always();
        }

        void Starting()
        {
            Receive<RankStarted>(s =>
            {
                _waiting.Remove(s.Rank);
                if (_waiting.Count == 0) Answer("");
            });
            Receive<GiveUp>(_ => Answer($"rank(s) {string.Join(", ", _waiting.Order())} did not answer from {string.Join(", ", _waiting.Order().Select(r => _placed[r]))}"));
            Always();
        }

        void Answer(string answer)
        {
            Timers.Cancel("give-up");
            _waiting.Clear();
            _fetching.Clear();
            _asker.Tell(answer);
            _asker = ActorRefs.Nobody;
        }

        void Always()
        {
            Receive<RankEnded>(e =>
            {
                _ended.TryAdd(e.Rank, e.How);
                if (_waiting.Remove(e.Rank)) Answer(e.How);
            });
            Receive<Terminated>(t =>
            {
                foreach (var (rank, node) in _placed.Where(p => p.Value.Equals(t.ActorRef.Path.Address)))
                    if (_ended.TryAdd(rank, $"rank {rank}'s node {node} left the cluster") && _waiting.Remove(rank)) Answer(_ended[rank]);
            });
        }

        public static Props Props(string runId, IReadOnlyDictionary<int, Address> placed, ConcurrentDictionary<int, string> ended) =>
            Akka.Actor.Props.Create(() => new RankGroup(runId, placed, ended));
    }
}
