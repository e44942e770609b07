using System.CommandLine;
using System.Text.Json;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.Commands;
using Stlm.Host.Journal;

namespace Stlm.Host;

/// <summary>`stlm journal dump`: prints any journal's events as readable JSON.</summary>
public static class JournalCommand
{
    public static Command Create()
    {
        var command = new Command("journal", "Inspect event journals");
        command.Subcommands.Add(Dump());
        return command;
    }

    static Command Dump()
    {
        var journal = new Option<string?>("--journal") { Description = JournalOpener.OptionHelp };
        var run = new Option<string?>("--run") { Description = "Only this run (persistence id)" };
        var json = new Option<bool>("--json") { Description = "One JSON array of event objects instead of one line per event" };
        var command = new Command("dump", "Print every stored event (deleted ones marked), in journal order")
        {
            journal, run, json,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var location = parse.GetValue(journal) is { } spec ? JournalLocation.Parse(spec) : DataPaths.From(config.Load(parse)).Journal;
            await using var store = JournalOpener.OpenExisting(location);
            var writer = new JournalDumpWriter(StlmSerializers.Default.Find<ProtobufSerializer>()!);
            var events = Events(store.Events, parse.GetValue(run), ct);
            return await JournalOpener.ReadAsync(store, () => parse.GetValue(json)
                ? WriteJsonAsync(events, writer, ct)
                : WriteLinesAsync(events, writer));
        });
        return command;
    }

    static async IAsyncEnumerable<StoredEvent> Events(SqlEventReader reader, string? run,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        const int page = 1000;
        long next = run is null ? 0 : 1;
        while (true)
        {
            var count = 0;
            var rows = run is null
                ? reader.ByOrderingAsync(next, long.MaxValue, page, withDeleted: true, ct)
                : reader.ByPersistenceIdAsync(run, next, long.MaxValue, page, withTags: true, withDeleted: true, ct);
            await foreach (var row in rows)
            {
                count++;
                next = run is null ? row.Ordering : row.SequenceNr + 1;
                yield return row;
            }
            if (count < page) yield break;
        }
    }

    static async Task<int> WriteLinesAsync(IAsyncEnumerable<StoredEvent> events, JournalDumpWriter writer)
    {
        var count = 0;
        await foreach (var e in events)
        {
            Console.Out.WriteLine(writer.Line(e));
            count++;
        }
        if (count == 0) Console.Error.WriteLine("stlm: the journal holds no events");
        return 0;
    }

    static async Task<int> WriteJsonAsync(IAsyncEnumerable<StoredEvent> events, JournalDumpWriter writer, CancellationToken ct)
    {
        await using var stdout = Console.OpenStandardOutput();
        await using var json = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
        json.WriteStartArray();
        await foreach (var e in events)
        {
            writer.WriteJson(json, e);
            if (json.BytesPending > 64 * 1024) await json.FlushAsync(ct);
        }
        json.WriteEndArray();
        await json.FlushAsync(ct);
        await stdout.WriteAsync("\n"u8.ToArray(), ct);
        return 0;
    }
}
