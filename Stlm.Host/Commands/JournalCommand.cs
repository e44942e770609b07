using System.CommandLine;
using System.Text.Json;
using Akka.Persistence.Query;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.Commands;
using Stlm.Host.Journal;
using Stlm.Host.CommandLine;

namespace Stlm.Host;

/// <summary>`stlm journal dump`: prints any journal's events as readable JSON.</summary>
public static class JournalCommand
{
    public static Command Create()
    {
        var command = new Command("journal", "Inspect event journals");
        command.Subcommands.Add(Dump());
        command.Subcommands.Add(Migrate());
        return command;
    }

    static Command Migrate()
    {
        var journal = SharedOptions.Journal;
        var command = new Command("migrate",
            "Convert a journal written before the move to Akka (Protobuf events, own tables) to the current format, keeping a backup")
        {
            journal,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var location = parse.GetValue(journal) is { } spec ? JournalLocation.Parse(spec) : DataPaths.From(config.Load(parse)).Journal;
            if (location.Engine == "sqlite" && !File.Exists(location.Target))
                throw new Model.StlmException($"no journal at {Path.GetFullPath(location.Target)}: nothing to migrate");
            var report = await Stlm.Actors.Migration.JournalMigration.MigrateAsync(location, ct);
            Console.Out.WriteLine(report is null
                ? $"the journal {location} is already in the current format; nothing to migrate"
                : $"migrated {report.Events} events of {report.Runs} runs and {report.Snapshots} snapshots in {location}; " +
                  $"leases, operator requests and checkpoints are as they were; backup: {report.Backup}");
            return 0;
        });
        return command.WithLogging();
    }

    static Command Dump()
    {
        var journal = SharedOptions.Journal;
        var run = new Option<string?>("--run") { Description = "Only this run (persistence id)" };
        var json = SharedOptions.Json;
        var command = new Command("dump", "Print every stored event, run by run in sequence order (through the read journal; --json: one array of event objects)")
        {
            journal, run, json,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var location = parse.GetValue(journal) is { } spec ? JournalLocation.Parse(spec) : DataPaths.From(config.Load(parse)).Journal;
            await using var store = JournalOpener.OpenExisting(location);
            var events = Events(store, parse.GetValue(run), ct);
            return await JournalOpener.ReadAsync(store, () => parse.GetValue(json)
                ? WriteJsonAsync(events, ct)
                : WriteLinesAsync(events));
        });
        return command;
    }

    /// <summary>
    /// Every event through the read journal: by persistence id (each id's events in order), or one
    /// id's. Where the read journal fails on a row it cannot deserialize, that id's rows from there
    /// on are read one by one, and each one that cannot be read shows as undecodable.
    /// </summary>
    static async IAsyncEnumerable<EventEnvelope> Events(JournalStore store, string? run,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var query = store.Query;
        var ids = new List<string>();
        if (run is not null) ids.Add(run);
        else
            await foreach (var id in query.CurrentPersistenceIds(ct))
                ids.Add(id);
        ids.Sort(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var last = 0L;
            var undecodable = false;
            await using (var events = query.CurrentEventsByPersistenceId(id, 0, long.MaxValue, ct).GetAsyncEnumerator(ct))
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync()) break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException && e is not System.Data.Common.DbException)
                    {
                        undecodable = true;
                        break;
                    }
                    last = events.Current.SequenceNr;
                    yield return events.Current;
                }
            if (!undecodable) continue;
            await foreach (var e in JournalRows.ReadAsync(store.Dialect, query.System, id, last, ct))
                yield return e;
        }
    }

    static async Task<int> WriteLinesAsync(IAsyncEnumerable<EventEnvelope> events)
    {
        var count = 0;
        await foreach (var e in events)
        {
            Console.Out.WriteLine(JournalDumpWriter.Line(e));
            count++;
        }
        if (count == 0) Console.Error.WriteLine("stlm: the journal holds no events");
        return 0;
    }

    static async Task<int> WriteJsonAsync(IAsyncEnumerable<EventEnvelope> events, CancellationToken ct)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        await foreach (var e in events)
        {
            JournalDumpWriter.WriteJson(json, e);
            if (json.BytesPending > 64 * 1024) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        await json.FlushAsync(ct);
        await stdout.WriteAsync("\n"u8.ToArray(), ct);
        return 0;
    }
}
