using System.CommandLine;
using System.Text.Json;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.CommandLine;
using Stlm.Host.Journal;
using Stlm.Model;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench journal`: events/s persisted (batched) through Akka.Persistence.Sql, the time a
/// RunActor takes to recover 100,000 events, and to recover from a snapshot and its tail, on
/// SQLite and (with STLM_TEST_PG or --postgres) PostgreSQL, as ratios against the goals.
/// </summary>
public static class BenchJournalCommand
{
    const double PersistGoal = 20_000;       // events/s batched into SQLite
    const double SnapshotTailGoal = 0.2;     // seconds to recover a run from its snapshot + tail

    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events per round", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Events per PersistAll", DefaultValueFactory = _ => 100 };
        var tail = new Option<int>("--tail") { Description = "Events after the snapshot in the snapshot + tail recovery", DefaultValueFactory = _ => 1000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per engine (the median is reported)", DefaultValueFactory = _ => 3 };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: $STLM_TEST_PG; none: SQLite only)" };
        var json = SharedOptions.Json;
        var command = new Command("journal", "Events/s persisted and recovered through Akka.Persistence.Sql") { events, batch, tail, rounds, postgres, json };
        command.SetAction(async (parse, ct) =>
        {
            var (n, b, t, r) = (parse.GetValue(events), parse.GetValue(batch), parse.GetValue(tail), parse.GetValue(rounds));
            if (n < 1 || b < 1 || r < 1 || t < 1 || t >= n) throw new StlmException("--events, --batch, --tail and --rounds must be at least 1, and --tail below --events");
            var benchmark = new JournalBenchmark(n, b, r, t);
            var results = new List<JournalBenchmark.Result> { await OnSqliteAsync(benchmark, ct) };
            var pg = parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("STLM_TEST_PG");
            if (!string.IsNullOrEmpty(pg)) results.Add(await OnPostgresAsync(benchmark, pg, ct));
            Print(results, n, b, t, r, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    static async Task<JournalBenchmark.Result> OnSqliteAsync(JournalBenchmark benchmark, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("stlm-bench-journal-");
        try
        {
            await using var store = JournalStore.Open(new SqliteDialect(Path.Combine(folder.FullName, "journal.db")));
            return await benchmark.RunAsync(store, ct);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    static async Task<JournalBenchmark.Result> OnPostgresAsync(JournalBenchmark benchmark, string connectionString, CancellationToken ct)
    {
        var schema = "stlm_bench_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using var store = JournalStore.Open(new PostgresDialect(connectionString, schema));
            return await benchmark.RunAsync(store, ct);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            throw new StlmException($"cannot benchmark PostgreSQL: {e.Message} (is the server running? ./stlm test starts one)", e);
        }
        finally
        {
            await using var dialect = new PostgresDialect(connectionString, schema);
            try { await dialect.DropSchemaAsync(CancellationToken.None); } catch (System.Data.Common.DbException) { }
        }
    }

    static void Print(List<JournalBenchmark.Result> results, int events, int batch, int tail, int rounds, bool json)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        var rows = results.Select(r => new
        {
            engine = r.Engine,
            persistEventsPerSecond = Math.Round(r.PersistPerSecond),
            persistRatio = Math.Round(r.PersistPerSecond / PersistGoal, 2),
            recover100kSeconds = Math.Round(r.RecoverSeconds * 100_000 / r.Events, 3),
            plainRecover100kSeconds = Math.Round(r.PlainRecoverSeconds * 100_000 / r.Events, 3),
            recoverOverPlain = Math.Round(r.RecoverSeconds / r.PlainRecoverSeconds, 2),
            snapshotTailSeconds = Math.Round(r.SnapshotTailSeconds, 3),
            snapshotTailRatio = Math.Round(SnapshotTailGoal / r.SnapshotTailSeconds, 2),
        }).ToList();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { events, batch, tail, rounds, loadAverage = load, persistGoal = PersistGoal, snapshotTailGoal = SnapshotTailGoal, results = rows },
                new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        Console.WriteLine($"journal (Akka.Persistence.Sql): {events:N0} events per round in PersistAll batches of {batch}, median of {rounds} rounds, load {load}; ratio ≥ 1 meets the goal");
        Console.WriteLine($"{"engine",-9} {"persist ev/s",13} {"ratio",6}   {"recover 100k",12} {"plain",9} {"/plain",6}   {"snapshot+" + tail,14} {"ratio",6}");
        foreach (var r in rows)
            Console.WriteLine($"{r.engine,-9} {r.persistEventsPerSecond,13:N0} {r.persistRatio,6:0.00}   {r.recover100kSeconds,10:0.000} s {r.plainRecover100kSeconds,7:0.000} s {r.recoverOverPlain,6:0.00}   {r.snapshotTailSeconds,12:0.000} s {r.snapshotTailRatio,6:0.00}");
        Console.WriteLine($"(goals: {PersistGoal:N0} events/s into SQLite; plain: the same replay into an actor that only counts events; a RunActor recovered from its snapshot + tail in under {SnapshotTailGoal} s)");
    }
}
