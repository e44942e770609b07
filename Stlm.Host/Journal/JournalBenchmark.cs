using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Host.Journal;

/// <summary>
/// Persists and recovers events on one SQL dialect: each round writes N events of one run in
/// calls of B single-event atomic writes (as a busy actor system batches them), then replays
/// them all. Payloads are protobuf Structs shaped like a training step event (~70 bytes).
/// </summary>
public sealed class JournalBenchmark(int events, int batch, int rounds)
{
    /// <summary>Medians; the bare-SQLite figures come from rounds run alternately with the journal's.</summary>
    public sealed record Result(string Engine, double PersistPerSecond, double RecoverSeconds, int Events,
        double? BarePersistPerSecond, double? BareRecoverSeconds);

    static readonly IPayloadSerializer Serializer =
        PayloadSerializers.WithDefaults(ProtobufSerializer.FromFiles(StructReflection.Descriptor));

    /// <param name="bareFolder">Where to run the bare-SQLite reference beside each round (null: no reference).</param>
    public async Task<Result> RunAsync(SqlDialect dialect, string? bareFolder, CancellationToken ct)
    {
        var journal = new SqlJournal(dialect, Serializer);
        await RoundAsync(journal, "bench-warmup", Math.Min(events, 2000), ct);
        var payloads = bareFolder is null ? [] : Enumerable.Range(1, events).Select(i => Serializer.Serialize(StepEvent(i))).ToList();
        List<double> persist = [], recover = [], barePersist = [], bareRecover = [];
        for (var round = 0; round < rounds; round++)
        {
            var (write, read) = await RoundAsync(journal, $"bench-{round}-{Guid.NewGuid():N}", events, ct);
            persist.Add(events / write.TotalSeconds);
            recover.Add(read.TotalSeconds);
            if (bareFolder is null) continue;
            var (p, r) = BareSqliteReference.Run(Path.Combine(bareFolder, $"bare-{round}.db"), payloads, batch, Serializer.Deserialize);
            barePersist.Add(p);
            bareRecover.Add(r);
        }
        return new Result(dialect.Engine, Median(persist), Median(recover), events,
            bareFolder is null ? null : Median(barePersist), bareFolder is null ? null : Median(bareRecover));
    }

    async Task<(TimeSpan Write, TimeSpan Read)> RoundAsync(SqlJournal journal, string pid, int count, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        for (var start = 1; start <= count; start += batch)
        {
            var writes = new List<AtomicWrite>(batch);
            for (var seq = start; seq < start + batch && seq <= count; seq++)
                writes.Add(new AtomicWrite([new Persistent(StepEvent(seq), pid, seq, "bench", [])]));
            var results = await journal.WriteMessagesAsync(writes, ct);
            if (results.FirstOrDefault(r => r is not null) is { } rejected) throw rejected;
        }
        var write = clock.Elapsed;

        clock.Restart();
        var seen = 0L;
        await journal.ReplayMessagesAsync(pid, 1, long.MaxValue, long.MaxValue, p => seen += ((Struct)p.Payload).Fields.Count, ct);
        var read = clock.Elapsed;
        if (seen != 4L * count) throw new InvalidOperationException($"replay gave back {seen / 4} of {count} events");
        return (write, read);
    }

    static Struct StepEvent(long step) => new()
    {
        Fields =
        {
            ["step"] = Value.ForNumber(step),
            ["loss"] = Value.ForNumber(3.25 - step * 1e-6),
            ["lr"] = Value.ForNumber(6e-4),
            ["tokens"] = Value.ForNumber(step * 12288),
        },
    };

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
