using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Stlm.Actors.Cluster;

/// <summary>
/// Where sharding puts a run (Akka.Cluster.Sharding's allocation strategy): on the trainer node
/// with the most free slots (<see cref="TrainerSlots"/>, cluster.runs-per-trainer), then the one
/// hosting fewest runs, then by address, so placement is the same whoever decides. When no node
/// has room the run still goes to one of them, where its entity waits, journaled as paused with
/// the reason, until a slot frees there or the rebalance moves it to a node with room. Runs are
/// never moved while they train: a move costs a pause, a checkpoint and a resume.
/// </summary>
public sealed class TrainerPlacement(ActorSystem system) : IShardAllocationStrategy
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    public async Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var candidates = await Task.WhenAll(currentShardAllocations.Select(async region =>
        {
            var address = region.Key.Path.Address.HasLocalScope ? self : region.Key.Path.Address;
            return (Region: region.Key, Address: address.ToString(), Hosted: region.Value.Count, Free: await FreeSlotsAt(address));
        }));
        return candidates
            .OrderByDescending(c => c.Free)
            .ThenBy(c => c.Hosted)
            .ThenBy(c => c.Address, StringComparer.Ordinal)
            .First().Region;
    }

    /// <summary>The room of the trainer node at <paramref name="address"/>; null when it does not answer in time.</summary>
    async Task<FreeSlots?> SlotsAt(Address address)
    {
        try
        {
            var slots = system.ActorSelection(new RootActorPath(address) / "user" / TrainerSlots.Name);
            return await slots.Ask<FreeSlots>(GetFreeSlots.Instance, AskTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Moves runs that wait for room (hosted on a full node, not training there) to nodes with
    /// free slots — a trainer node that joined, or one whose run ended — as many as there are free
    /// slots; the moved entity stops (hand-off) and starts again where <see cref="AllocateShard"/>
    /// puts it: on the node with the most free slots. Training runs never move.
    /// </summary>
    public async Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress)
    {
        if (currentShardAllocations.Count < 2) return ImmutableHashSet<string>.Empty;
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        var nodes = await Task.WhenAll(currentShardAllocations.Select(async region =>
        {
            var address = region.Key.Path.Address.HasLocalScope ? self : region.Key.Path.Address;
            return (Shards: region.Value, Slots: await SlotsAt(address));
        }));
        var room = nodes.Sum(n => n.Slots is { Free: > 0 } s ? s.Free : 0);
        var waiting = nodes
            .Where(n => n.Slots is { Free: 0 })
            .SelectMany(n => n.Shards.Where(shard => !n.Slots!.Training.Contains(shard) && !rebalanceInProgress.Contains(shard)))
            .Order(StringComparer.Ordinal)
            .Take(room);
        return waiting.ToImmutableHashSet();
    }

    /// <summary>Free slots of the trainer node at <paramref name="address"/>; 0 when it does not answer in time.</summary>
    async Task<int> FreeSlotsAt(Address address) => (await SlotsAt(address))?.Free ?? 0;
}
