using System.Diagnostics;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;
using Stlm.Actors.Runtime;

namespace Stlm.Actors.Benchmarks;

/// <summary>A journal and snapshot store the persistence benchmark can run against.</summary>
public sealed record PersistenceBenchTarget(string Name, Func<(IJournal Journal, ISnapshotStore Snapshots)> Open);

/// <summary>
/// Events/s persisted (PersistAll batches from one actor) and recovered (replay into a fresh
/// actor) for <c>stlm bench actors</c>. Journals register in <see cref="Targets"/>: the
/// in-memory one measures the PersistentActor's own overhead; <b>extension point</b>: the SQLite
/// and PostgreSQL journals add themselves here (e.g. from the host) to be measured beside it.
/// </summary>
public static class PersistenceThroughput
{
    public static List<PersistenceBenchTarget> Targets { get; } =
    [
        new("in-memory journal", () => (new InMemoryJournal(), new InMemorySnapshotStore())),
    ];

    public sealed record Outcome(double PersistedPerSecond, double RecoveredPerSecond);

    sealed record Added(long Value);
    sealed record AddBatch(int Count, TaskCompletionSource Done);

    sealed class Summer(string id, long expected, TaskCompletionSource recovered) : PersistentActor
    {
        long _sum;
        public override string PersistenceId => id;

        protected override bool ReceiveRecover(object message)
        {
            if (message is Added added)
                _sum += added.Value;
            else if (message is RecoveryCompleted)
            {
                if (LastSequenceNr == expected)
                    recovered.TrySetResult();
                else
                    recovered.TrySetException(new InvalidOperationException($"recovered {LastSequenceNr} events, expected {expected}"));
            }
            return true;
        }

        protected override bool ReceiveCommand(object message)
        {
            if (message is not AddBatch batch)
                return false;
            var start = LastSequenceNr;
            PersistAll(Enumerable.Range(1, batch.Count).Select(i => new Added(start + i)), e =>
            {
                _sum += e.Value;
                if (e.Value == start + batch.Count)
                    batch.Done.SetResult();
            });
            return true;
        }
    }

    public static async Task<Outcome> Persist(PersistenceBenchTarget target, long events, int batchSize)
    {
        var (journal, snapshots) = target.Open();
        await using var _ = journal;
        await using var __ = snapshots;
        await using var system = ActorSystem.Create("bench");
        system.UsePersistence(journal, snapshots);
        var id = "bench-" + Guid.NewGuid().ToString("N");

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = system.ActorOf(Props.Create(() => new Summer(id, 0, ready)), "writer");
        await ready.Task;
        var clock = Stopwatch.StartNew();
        long written = 0;
        while (written < events)
        {
            var count = (int)Math.Min(batchSize, events - written);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            writer.Tell(new AddBatch(count, done), null);
            await done.Task;
            written += count;
        }
        var persisted = written / clock.Elapsed.TotalSeconds;
        system.Stop(writer);

        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        clock.Restart();
        system.ActorOf(Props.Create(() => new Summer(id, written, recovered)), "reader");
        await recovered.Task;
        return new Outcome(persisted, written / clock.Elapsed.TotalSeconds);
    }
}
