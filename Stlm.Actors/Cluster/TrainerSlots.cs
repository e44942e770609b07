using Akka.Actor;
using MessagePack;

namespace Stlm.Actors.Cluster;

/// <summary>Asks a trainer node how many more runs it can train now (from any member: the placement asks each).</summary>
[MessagePackObject]
public sealed record GetFreeSlots
{
    public static readonly GetFreeSlots Instance = new();
}

/// <summary>
/// How many more runs a trainer node can train now, the runs it trains, and whether its slots are
/// GPUs (cluster.gpus &gt; 0: it takes only runs on a GPU) or CPU slots (only runs on the CPU).
/// </summary>
[MessagePackObject]
public sealed record FreeSlots(
    [property: Key(0)] int Free,
    [property: Key(1)] IReadOnlyList<string> Training,
    [property: Key(2)] bool Gpus = false)
{
    /// <summary>Free slots for a run of that kind: none on a node of the other kind.</summary>
    public int FreeFor(bool gpu) => Gpus == gpu ? Free : 0;
}

/// <summary>
/// The room a trainer node has for runs, at /user/trainer-slots: cluster.runs-per-trainer CPU
/// slots, or on a GPU node one slot per device (cluster.gpus), each a device of its own.
/// Hears <see cref="Take"/> (a run's entity or a rank before it trains: answered <see cref="Grant"/>),
/// <see cref="Release"/> (after), and <see cref="GetFreeSlots"/> (the placement, from any node).
/// A holder that stops without releasing (it failed) gives its slot back too: watched.
/// </summary>
public sealed class TrainerSlots : ReceiveActor
{
    public const string Name = "trainer-slots";

    /// <summary>A slot for <paramref name="RunId"/> (a run, or one rank of it), held by <paramref name="Holder"/> (watched: its slot frees when it stops); <paramref name="Gpu"/>: the run trains on a GPU.</summary>
    public sealed record Take(string RunId, IActorRef Holder, bool Gpu = false);

    /// <summary>
    /// The answer to <see cref="Take"/>: granted (on a GPU node with the device it trains on), or
    /// not, with why when it was not for want of room (the node's slots are of the other kind).
    /// </summary>
    public sealed record Grant(bool Granted, Model.LibTorch.Device? Device = null, string? Why = null);

    public sealed record Release(string RunId);

    readonly Dictionary<string, (IActorRef Holder, int Gpu)> _training = new(StringComparer.Ordinal);

    /// <param name="slots">how many runs at once: cluster.runs-per-trainer on a CPU node, the device count on a GPU node</param>
    /// <param name="gpus">the slots are the devices cuda:0 to cuda:slots-1</param>
    public TrainerSlots(int slots, bool gpus)
    {
        Receive<Take>(t =>
        {
            if (t.Gpu != gpus)
            {
                Sender.Tell(new Grant(false, Why: gpus
                    ? $"this node's slots are its {slots} GPU(s) (cluster.gpus) and {t.RunId} trains on the CPU"
                    : $"{t.RunId} trains on a GPU and this node has none (cluster.gpus = 0)"));
                return;
            }
            if (_training.TryGetValue(t.RunId, out var held))
            {
                Sender.Tell(new Grant(true, DeviceOf(held.Gpu)));
                return;
            }
            if (_training.Count >= slots)
            {
                Sender.Tell(new Grant(false));
                return;
            }
            // The lowest free device, so a node's runs fill cuda:0, cuda:1, … in order.
            var gpu = gpus ? Enumerable.Range(0, slots).First(i => !_training.Values.Any(h => h.Gpu == i)) : -1;
            _training[t.RunId] = (t.Holder, gpu);
            // Watch the holder, not the sender: an Ask's sender is a temporary actor that stops once answered.
            Context.Watch(t.Holder);
            Sender.Tell(new Grant(true, DeviceOf(gpu)));
        });
        Receive<Release>(r => Free(r.RunId));
        Receive<Terminated>(t =>
        {
            foreach (var runId in _training.Where(p => p.Value.Holder.Equals(t.ActorRef)).Select(p => p.Key).ToList()) Free(runId);
        });
        Receive<GetFreeSlots>(_ => Sender.Tell(new FreeSlots(slots - _training.Count, [.. _training.Keys.Order(StringComparer.Ordinal)], gpus)));
    }

    static Model.LibTorch.Device? DeviceOf(int gpu) => gpu >= 0 ? Model.LibTorch.Device.Cuda(gpu) : null;

    void Free(string runId)
    {
        if (_training.Remove(runId, out var held) && !_training.Values.Any(h => h.Holder.Equals(held.Holder))) Context.Unwatch(held.Holder);
    }

    public static Props Props(int slots, bool gpus = false) => Akka.Actor.Props.Create(() => new TrainerSlots(slots, gpus));
}
