using Akka.Actor;
using MessagePack;

namespace Stlm.Actors.Cluster;

/// <summary>Asks a trainer node how many more runs it can train now (from any member: the placement asks each).</summary>
[MessagePackObject]
public sealed record GetFreeSlots
{
    public static readonly GetFreeSlots Instance = new();
}

/// <summary>How many more runs a trainer node can train now, and the runs it trains.</summary>
[MessagePackObject]
public sealed record FreeSlots([property: Key(0)] int Free, [property: Key(1)] IReadOnlyList<string> Training);

/// <summary>
/// The room a trainer node has for runs (cluster.runs-per-trainer), at /user/trainer-slots.
/// Hears <see cref="Take"/> (a run's entity before it trains: answered true or false),
/// <see cref="Release"/> (after), and <see cref="GetFreeSlots"/> (the placement, from any node).
/// A run's entity that stops without releasing (it failed) gives its slot back too: watched.
/// </summary>
public sealed class TrainerSlots : ReceiveActor
{
    public const string Name = "trainer-slots";

    /// <summary>A slot for a run's entity (watched: its slot frees when it stops); answered true when it has one.</summary>
    public sealed record Take(string RunId, IActorRef Entity);

    public sealed record Release(string RunId);

    readonly Dictionary<string, IActorRef> _training = new(StringComparer.Ordinal);

    public TrainerSlots(int slots)
    {
        Receive<Take>(t =>
        {
            var granted = _training.ContainsKey(t.RunId) || _training.Count < slots;
            // Watch the entity, not the sender: an Ask's sender is a temporary actor that stops once answered.
            if (granted && _training.TryAdd(t.RunId, t.Entity)) Context.Watch(t.Entity);
            Sender.Tell(granted);
        });
        Receive<Release>(r => Free(r.RunId));
        Receive<Terminated>(t =>
        {
            foreach (var runId in _training.Where(p => p.Value.Equals(t.ActorRef)).Select(p => p.Key).ToList()) Free(runId);
        });
        Receive<GetFreeSlots>(_ => Sender.Tell(new FreeSlots(slots - _training.Count, [.. _training.Keys.Order(StringComparer.Ordinal)])));
    }

    void Free(string runId)
    {
        if (_training.Remove(runId, out var entity) && !_training.ContainsValue(entity)) Context.Unwatch(entity);
    }

    public static Props Props(int slots) => Akka.Actor.Props.Create(() => new TrainerSlots(slots));
}
