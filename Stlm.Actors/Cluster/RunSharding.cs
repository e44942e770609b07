using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;
using MessagePack;

namespace Stlm.Actors.Cluster;

/// <summary>Wakes the run's entity (on whichever trainer node sharding places it); answered with <see cref="RunPlaced"/>.</summary>
[MessagePackObject]
public sealed record TrainRun([property: Key(0)] string RunId);

/// <summary>
/// Where a run is: training (or starting) on <paramref name="Node"/>, waiting there (for room, or
/// for its lease), or declined: the run is not owed training (paused by an operator, completed, …).
/// </summary>
[MessagePackObject]
public sealed record RunPlaced(
    [property: Key(0)] string RunId,
    [property: Key(1)] string Node,
    [property: Key(2)] bool Training,
    [property: Key(3)] bool Declined,
    [property: Key(4)] string Reason);

/// <summary>
/// Runs as sharded entities (Akka.Cluster.Sharding, type "run"): each run is one entity, in a
/// shard of its own, on one member with the trainer role. Trainer members host the shards
/// (<see cref="RunEntity"/>), placed by <see cref="TrainerPlacement"/>; other members reach them
/// through a proxy. Entities are remembered (remember-entities), so when a trainer member is
/// downed the coordinator starts its runs again on another trainer, and they resume there.
/// <code>
/// var placed = await node.Runs.Ask&lt;RunPlaced&gt;(new TrainRun("r-7"), TimeSpan.FromSeconds(60));
/// </code>
/// </summary>
public static class RunSharding
{
    public const string TypeName = "run";

    /// <summary>The run region on a trainer member, a proxy to it on any other.</summary>
    internal static IActorRef Start(ClusterNode node)
    {
        var sharding = ClusterSharding.Get(node.System);
        if (!node.Has(NodeRoles.Trainer))
            return sharding.StartProxy(TypeName, NodeRoles.Trainer, new OneShardPerRun());
        var slots = node.System.ActorOf(TrainerSlots.Props(node.Settings.TrainerSlots, gpus: node.Settings.Gpus > 0), TrainerSlots.Name);
        if (node.RankStarter is { } startRank) node.System.ActorOf(RankHost.Props(slots, startRank, node.Checkpoints, node.DataDir), RankHost.Name);
        var settings = ClusterShardingSettings.Create(node.System).WithRole(NodeRoles.Trainer).WithRememberEntities(true);
        return sharding.Start(TypeName, runId => RunEntity.Props(node, runId, slots), settings, new OneShardPerRun(),
            new TrainerPlacement(node), RunEntity.HandOff.Instance);
    }

    /// <summary>One shard per run: placing a shard is placing the run.</summary>
    sealed class OneShardPerRun : IMessageExtractor
    {
        public string? EntityId(object message) => message is TrainRun t ? t.RunId : null;

        public object EntityMessage(object message) => message;

        public string? ShardId(object message) => EntityId(message);

        public string ShardId(string entityId, object? messageHint = null) => entityId;
    }
}
