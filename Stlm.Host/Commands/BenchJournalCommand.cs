using System.CommandLine;
using System.Text.Json;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.Journal;
using Stlm.Model;

namespace Stlm.Host;

/// <summary>
/// `stlm bench journal`: events/s persisted (batched) and the time to recover 100,000 events,
/// on SQLite and (with STLM_TEST_PG or --postgres) PostgreSQL, as ratios against the goals.
/// </summary>
public static class BenchJournalCommand
{
    const double PersistGoal = 20_000;   // events/s batched into SQLite
    const double RecoverGoal = 1.0;      // seconds to recover 100,000 events

    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "Events per round", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Single-event atomic writes per journal call", DefaultValueFactory = _ => 100 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per engine (the median is reported)", DefaultValueFactory = _ => 5 };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: $STLM_TEST_PG; none: SQLite only)" };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON" };
        var command = new Command("journal", "Events/s persisted and recovered by the SQL journals") { events, batch, rounds, postgres, json };
        command.SetAction(async (parse, ct) =>
        {
            var (n, b, r) = (parse.GetValue(events), parse.GetValue(batch), parse.GetValue(rounds));
            if (n < 1 || b < 1 || r < 1) throw new StlmException("--events, --batch and --rounds must be at least 1");
            var benchmark = new JournalBenchmark(n, b, r);
            var results = new List<JournalBenchmark.Result> { await OnSqliteAsync(benchmark, ct) };
            var pg = parse.GetValue(postgres) ?? Environment.GetEnvironmentVariable("STLM_TEST_PG");
            if (!string.IsNullOrEmpty(pg)) results.Add(await OnPostgresAsync(benchmark, pg, ct));
            Print(results, n, b, r, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    static async Task<JournalBenchmark.Result> OnSqliteAsync(JournalBenchmark benchmark, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("stlm-bench-journal-");
        try
        {
            await using var dialect = new SqliteDialect(Path.Combine(folder.FullName, "journal.db"));
            return await benchmark.RunAsync(dialect, folder.FullName, ct);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    static async Task<JournalBenchmark.Result> OnPostgresAsync(JournalBenchmark benchmark, string connectionString, CancellationToken ct)
    {
        await using var dialect = new PostgresDialect(connectionString, "stlm_bench_" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            return await benchmark.RunAsync(dialect, null, ct);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            throw new StlmException($"cannot benchmark PostgreSQL at {dialect.Where}: {e.Message} (is the server running? ./stlm test starts one)", e);
        }
        finally
        {
            try { await dialect.DropSchemaAsync(CancellationToken.None); } catch (System.Data.Common.DbException) { }
        }
    }

    static void Print(List<JournalBenchmark.Result> results, int events, int batch, int rounds, bool json)
    {
        var rows = results.Select(r => new
        {
            engine = r.Engine,
            persistEventsPerSecond = Math.Round(r.PersistPerSecond),
            persistGoal = PersistGoal,
            persistRatio = Math.Round(r.PersistPerSecond / PersistGoal, 2),
            recover100kSeconds = Math.Round(r.RecoverSeconds * 100_000 / r.Events, 3),
            recoverGoalSeconds = RecoverGoal,
            recoverRatio = Math.Round(RecoverGoal / (r.RecoverSeconds * 100_000 / r.Events), 2),
            persistVsBareSqlite = r.BarePersistPerSecond is { } bp ? Math.Round(r.PersistPerSecond / bp, 2) : (double?)null,
            recoverVsBareSqlite = r.BareRecoverSeconds is { } br ? Math.Round(br / r.RecoverSeconds, 2) : (double?)null,
        }).ToList();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { events, batch, rounds, results = rows }, new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        Console.WriteLine($"journal: {events:N0} events per round in calls of {batch} atomic writes, median of {rounds} rounds; ratio ≥ 1 meets the goal");
        Console.WriteLine($"{"engine",-9} {"persist ev/s",13} {"goal",8} {"ratio",6}   {"recover 100k",12} {"goal",6} {"ratio",6}   {"vs bare SQLite (persist, recover)",34}");
        foreach (var r in rows)
            Console.WriteLine($"{r.engine,-9} {r.persistEventsPerSecond,13:N0} {r.persistGoal,8:N0} {r.persistRatio,6:0.00}   {r.recover100kSeconds,10:0.000} s {r.recoverGoalSeconds,4:0} s {r.recoverRatio,6:0.00}   " +
                (r.persistVsBareSqlite is null ? "" : $"{r.persistVsBareSqlite,16:0.00} {r.recoverVsBareSqlite,8:0.00}"));
        Console.WriteLine("(vs bare SQLite: the same rows through one prepared INSERT and a plain SELECT in the same run; 1.00 = no journal overhead)");
    }
}
