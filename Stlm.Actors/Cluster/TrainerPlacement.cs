using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Stlm.Actors.Training.Views;

namespace Stlm.Actors.Cluster;

/// <summary>
/// Where sharding puts a run (Akka.Cluster.Sharding's allocation strategy): on the trainer node
/// with the most free slots of the run's kind (<see cref="TrainerSlots"/>: GPUs for a run on a
/// GPU, CPU slots otherwise, <see cref="RunDevice"/>), then the one hosting fewest runs, then by
/// address, so placement is the same whoever decides. When no node has room the run still goes
/// to one of them, where its entity waits, journaled as paused with the reason, until a slot
/// frees there or the rebalance moves it to a node with room. Runs are never moved while they
/// train: a move costs a pause, a checkpoint and a resume.
/// </summary>
public sealed class TrainerPlacement(ClusterNode node) : IShardAllocationStrategy
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    // A run's kind never changes (a fork to another device is another run): read once from its first event.
    readonly ConcurrentDictionary<string, bool> _onGpu = new(StringComparer.Ordinal);

    /// <summary>What placement knows of a trainer node: its run region, address, how many runs it hosts, and its slots (null: it did not answer).</summary>
    public sealed record Candidate<TRegion>(TRegion Region, string Address, IReadOnlyList<string> Hosted, FreeSlots? Slots);

    public async Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations) =>
        Choose(await TrainsOnGpuAsync(shardId), await CandidatesAsync(currentShardAllocations));

    /// <summary>
    /// The node for a run of that kind: the most free slots of its kind, then a node of its kind
    /// (a full one, where it waits) over one of the other, then the fewest runs hosted, then by address.
    /// </summary>
    public static TRegion Choose<TRegion>(bool gpu, IEnumerable<Candidate<TRegion>> candidates) => candidates
        .OrderByDescending(c => c.Slots?.FreeFor(gpu) ?? 0)
        .ThenByDescending(c => c.Slots?.Gpus == gpu)
        .ThenBy(c => c.Hosted.Count)
        .ThenBy(c => c.Address, StringComparer.Ordinal)
        .First().Region;

    /// <summary>
    /// Moves runs that wait for room (hosted on a node with no free slot of their kind, not training
    /// there) to nodes with free slots of their kind — a trainer node that joined, or one whose run
    /// ended — as many as there are such slots; the moved entity stops (hand-off) and starts again
    /// where <see cref="AllocateShard"/> puts it. Training runs never move.
    /// </summary>
    public async Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations,
        IImmutableSet<string> rebalanceInProgress)
    {
        if (currentShardAllocations.Count < 2) return ImmutableHashSet<string>.Empty;
        var candidates = await CandidatesAsync(currentShardAllocations);
        var kinds = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var shard in candidates.SelectMany(c => c.Hosted)) kinds[shard] = await TrainsOnGpuAsync(shard);
        return ToMove(candidates, rebalanceInProgress, shard => kinds[shard]).ToImmutableHashSet(StringComparer.Ordinal);
    }

    /// <summary>The waiting runs <see cref="Rebalance"/> moves: per kind, as many as the free slots of that kind, by run id.</summary>
    public static IEnumerable<string> ToMove<TRegion>(IReadOnlyList<Candidate<TRegion>> candidates, IImmutableSet<string> rebalanceInProgress, Func<string, bool> trainsOnGpu)
    {
        foreach (var gpu in new[] { false, true })
        {
            var room = candidates.Sum(c => c.Slots?.FreeFor(gpu) ?? 0);
            var waiting = candidates
                .Where(c => c.Slots is { } s && s.FreeFor(gpu) == 0)
                .SelectMany(c => c.Hosted.Where(shard => !c.Slots!.Training.Contains(shard) && !rebalanceInProgress.Contains(shard) && trainsOnGpu(shard) == gpu))
                .Order(StringComparer.Ordinal)
                .Take(room);
            foreach (var shard in waiting) yield return shard;
        }
    }

    async Task<Candidate<IActorRef>[]> CandidatesAsync(IImmutableDictionary<IActorRef, IImmutableList<string>> allocations) =>
        await Task.WhenAll(allocations.Select(async region =>
            new Candidate<IActorRef>(region.Key, AddressOf(region.Key).ToString(), region.Value, await SlotsAt(AddressOf(region.Key)))));

    Address AddressOf(IActorRef region) => region.Path.Address.HasLocalScope ? node.Address : region.Path.Address;

    /// <summary>The room of the trainer node at <paramref name="address"/>; null when it does not answer in time.</summary>
    async Task<FreeSlots?> SlotsAt(Address address)
    {
        try
        {
            var slots = node.System.ActorSelection(new RootActorPath(address) / "user" / TrainerSlots.Name);
            return await slots.Ask<FreeSlots>(GetFreeSlots.Instance, AskTimeout);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>Whether the run trains on a GPU; false for a run the journal does not have (its entity says so).</summary>
    async Task<bool> TrainsOnGpuAsync(string runId)
    {
        if (_onGpu.TryGetValue(runId, out var gpu)) return gpu;
        var created = await new RunJournalReader(node.Journal.Query).CreatedAsync(runId);
        return created is not null && _onGpu.GetOrAdd(runId, RunDevice.TrainsOnGpu(created));
    }
}
