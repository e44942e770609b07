using System.Diagnostics;
using Akka.Actor;
using Akka.Persistence;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;

namespace Stlm.Host.Bench;

/// <summary>
/// Akka.Persistence.Sql on one database, as the run actors use it. Each round: a persistent
/// actor persists RunCreated and N StepCompleted events with PersistAll in batches of B (all
/// batches handed over at once, so Akka's journal batches writes as under load), each write
/// through the run's lease fence as a training session's writes go; then a fresh
/// RunActor recovers the run from its events alone (RunState folded event by event, as on a
/// resume); then a snapshot of the state N−tail events in is saved and a fresh RunActor recovers
/// from it and the last <c>tail</c> events.
/// </summary>
public sealed class JournalBenchmark(int events, int batch, int rounds, int tail)
{
    /// <summary>PlainRecoverSeconds: the same events replayed into a persistent actor that only counts them (Akka.Persistence.Sql's own cost).</summary>
    public sealed record Result(string Engine, double PersistPerSecond, double RecoverSeconds, double PlainRecoverSeconds, double SnapshotTailSeconds, int Events);

    sealed record Go(IReadOnlyList<object> Events, int Batch);

    sealed record Done;

    sealed class Writer : ReceivePersistentActor
    {
        public Writer(string id)
        {
            PersistenceId = id;
            Recover<object>(_ => { });
            Command<Go>(go =>
            {
                var sender = Sender;
                var left = go.Events.Count;
                foreach (var chunk in go.Events.Chunk(go.Batch))
                    PersistAll(chunk, _ =>
                    {
                        if (--left == 0) sender.Tell(new Done());
                    });
            });
        }

        public override string PersistenceId { get; }
    }

    /// <summary>The reference recovery: the events replayed (and deserialized) by Akka, counted, nothing folded.</summary>
    sealed class Counter : ReceivePersistentActor
    {
        long _events;

        public Counter(string id)
        {
            PersistenceId = id;
            Recover<RecoveryCompleted>(_ => { });
            Recover<object>(_ => _events++);
            Command<GetRunState>(_ => Sender.Tell(_events));
        }

        public override string PersistenceId { get; }
    }

    public async Task<Result> RunAsync(JournalStore store, CancellationToken ct)
    {
        var system = store.CreateSystem("bench-journal");
        try
        {
            await RoundAsync(store, system, "warmup", Math.Min(events, 2000), Math.Min(tail, 100), ct);
            List<double> persist = [], recover = [], plain = [], fromSnapshot = [];
            for (var round = 0; round < rounds; round++)
            {
                var (p, r, c, s) = await RoundAsync(store, system, $"b{round}-{Guid.NewGuid():N}"[..12], events, tail, ct);
                persist.Add(events / p.TotalSeconds);
                recover.Add(r.TotalSeconds);
                plain.Add(c.TotalSeconds);
                fromSnapshot.Add(s.TotalSeconds);
            }
            return new Result(store.Dialect.Engine, Median(persist), Median(recover), Median(plain), Median(fromSnapshot), events);
        }
        finally
        {
            await system.Terminate();
        }
    }

    async Task<(TimeSpan Persist, TimeSpan Recover, TimeSpan PlainRecover, TimeSpan SnapshotTail)> RoundAsync(JournalStore store, ActorSystem system, string runId, int count, int tailCount, CancellationToken ct)
    {
        var timeout = TimeSpan.FromMinutes(10);
        List<object> all = [new RunCreated { RunId = runId, ConfigHocon = "model { d-model = 128 }", ConfigHash = "bench", Seed = 1337, CodeVersion = "bench" }];
        all.AddRange(Enumerable.Range(1, count).Select(s => (object)Step(s)));
        // As in a session: every write batch first checks that this process still holds the run's lease.
        var leases = new RunLeaseStore(store.Dialect);
        var ttl = TimeSpan.FromSeconds(30);
        var lease = await leases.AcquireAsync(runId, LeaseOwner.ThisProcess(), ttl, ct);
        WriteFences.Get(system).Register(RunIds.PersistenceId(runId), new LeaseFence(leases, lease, ttl));
        var writer = system.ActorOf(Props.Create(() => new Writer(RunIds.PersistenceId(runId))));
        var clock = Stopwatch.StartNew();
        await writer.Ask<Done>(new Go(all, batch), timeout, ct);
        var persist = clock.Elapsed;
        system.Stop(writer);
        await leases.ReleaseAsync(lease, ct);


        // Reference and RunActor in turns (the first read after the writes pays for the cache), twice each.
        List<double> plainTimes = [], recoverTimes = [];
        RunState recovered = RunState.Empty;
        foreach (var plainFirst in new[] { true, false })
            for (var turn = 0; turn < 2; turn++)
            {
                clock.Restart();
                if ((turn == 0) == plainFirst)
                {
                    var counter = system.ActorOf(Props.Create(() => new Counter(RunIds.PersistenceId(runId))));
                    var counted = await counter.Ask<long>(new GetRunState(), timeout, ct);
                    plainTimes.Add(clock.Elapsed.TotalSeconds);
                    system.Stop(counter);
                    if (counted != count + 1) throw new InvalidOperationException($"the plain replay gave back {counted} of {count + 1} events");
                }
                else
                {
                    recovered = await RecoverAsync(system, runId, timeout);
                    recoverTimes.Add(clock.Elapsed.TotalSeconds);
                    if (recovered.Step != count) throw new InvalidOperationException($"recovery gave back {recovered.Step} of {count} steps");
                }
            }
        var (recover, plainRecover) = (TimeSpan.FromSeconds(Median(recoverTimes)), TimeSpan.FromSeconds(Median(plainTimes)));

        // The state after the first count - tail steps, saved as the RunActor saves it.
        var at = count - tailCount;
        var snapshotState = RunState.Fold(all.Take(at + 1));
        var snapshots = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var saved = await snapshots.Ask<object>(new SaveSnapshot(new SnapshotMetadata(RunIds.PersistenceId(runId), at + 1, DateTime.UtcNow), snapshotState.ToSnapshot()), timeout, ct);
        if (saved is SaveSnapshotFailure failure) throw failure.Cause;
        clock.Restart();
        var fromSnapshot = await RecoverAsync(system, runId, timeout);
        var snapshotTail = clock.Elapsed;
        if (!fromSnapshot.Equals(recovered)) throw new InvalidOperationException("recovery from the snapshot and tail differs from recovery from events");
        return (persist, recover, plainRecover, snapshotTail);
    }

    static async Task<RunState> RecoverAsync(ActorSystem system, string runId, TimeSpan timeout)
    {
        var run = system.ActorOf(RunActor.Props(runId, int.MaxValue));
        try
        {
            return await RunActor.AskAsync(run, new GetRunState(), timeout);
        }
        finally
        {
            system.Stop(run);
        }
    }

    static StepCompleted Step(long step) => new()
    {
        Step = step, Tokens = 2048, Loss = 3.25 - step * 1e-6, Lr = 6e-4, Dropout = 0.1, GradNorm = 1.25, StepTimeMs = 210.5,
        Cursor = new DataCursor { Epoch = 0, Position = step * 16 },
    };

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
