using System.Text.Json;
using Google.Protobuf;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;
using Stlm.Host.Journal;
using Stlm.Tests.Host;
using Stlm.Tests.Persistence.Protos;
using static Stlm.Tests.Persistence.TestPayloads;

namespace Stlm.Tests.Persistence;

/// <summary>`stlm journal dump` on a real journal file, through the real executable.</summary>
public sealed class JournalDumpTests : IAsyncLifetime
{
    readonly SqliteTestDatabase _db = new();
    string Folder => Path.GetDirectoryName(_db.Path)!;

    public async Task InitializeAsync()
    {
        await using var store = new SqlPersistence(new SqliteDialect(_db.Path), Serializer);
        await store.Journal.WriteMessagesAsync([
            Write(Persistent("run-7", 1, Event(1), tags: ["steps"])),
            Write(Persistent("run-8", 1, "operator paused the run")),
            Write(Persistent("run-7", 2, Event(2))),
        ]);
        await store.Journal.DeleteMessagesToAsync("run-7", 1);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void Dump_as_json_lists_every_event_with_its_manifest_and_payload()
    {
        var r = StlmProcess.Run(Folder, "journal", "dump", "--journal", "sqlite:" + _db.Path, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var events = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal("run-7", events[0].GetProperty("persistenceId").GetString());
        Assert.True(events[0].GetProperty("deleted").GetBoolean());
        Assert.Equal("steps", events[0].GetProperty("tags")[0].GetString());
        // The test messages are not Stlm's own: unknown to the dump, so base64 beside the manifest.
        Assert.Equal("stlm.test.TestEvent", events[0].GetProperty("manifest").GetString());
        Assert.Equal(Event(1).ToByteArray(), Convert.FromBase64String(events[0].GetProperty("base64").GetString()!));
        Assert.Equal("operator paused the run", events[1].GetProperty("text").GetString());
    }

    [Fact]
    public void Dump_of_one_run_prints_one_line_per_event()
    {
        var r = StlmProcess.Run(Folder, "journal", "dump", "--journal", "sqlite:" + _db.Path, "--run", "run-7");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("run-7#1 ", lines[0]);
        Assert.Contains("[deleted]", lines[0]);
        Assert.StartsWith("run-7#2 ", lines[1]);
    }

    [Fact]
    public void Dump_uses_the_default_journal_under_the_current_folder()
    {
        var target = Path.Combine(Folder, "stlm-data", "journal.db");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(_db.Path, target);
        var r = StlmProcess.Run(Folder, "journal", "dump");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(3, r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Dump_of_a_missing_journal_says_so_in_one_line()
    {
        var r = StlmProcess.Run(Folder, "journal", "dump", "--journal", "sqlite:nowhere/journal.db");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no journal at", r.StdErr);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Known_messages_print_as_protobuf_json_and_corrupt_ones_as_base64_with_the_error()
    {
        var writer = new JournalDumpWriter(ProtobufSerializer.FromFiles(TestEventsReflection.Descriptor));
        var good = Serializer.Serialize(Event(5, "five"));
        var (kind, value, error) = writer.Render(good);
        Assert.Equal("event", kind);
        Assert.Null(error);
        var json = JsonDocument.Parse(value).RootElement;
        Assert.Equal("five", json.GetProperty("text").GetString());
        Assert.Equal("5", json.GetProperty("number").GetString());

        var corrupt = writer.Render(good with { Bytes = [0x0A, 0x7F, 1] });
        Assert.Equal("base64", corrupt.Kind);
        Assert.StartsWith("corrupt:", corrupt.Error);
    }
}

/// <summary>`stlm journal dump` reads a PostgreSQL journal named by its connection string.</summary>
public sealed class PostgresJournalDumpTests : IAsyncLifetime
{
    readonly PostgresTestDatabase _db = new();

    public async Task InitializeAsync()
    {
        await using var store = new SqlPersistence(_db.CreateDialect(), Serializer);
        await store.Journal.WriteMessagesAsync([Write(Persistent("run-pg", 1, "started")), Write(Persistent("run-pg", 2, Event(2)))]);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void Dump_reads_the_schema_named_in_the_connection_string()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "journal", "dump", "--journal", $"postgres:{_db.ConnectionString};Search Path={_db.Schema}", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var events = JsonDocument.Parse(r.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal(["started", null], events.Select(e => e.TryGetProperty("text", out var t) ? t.GetString() : null));
        Assert.Equal("stlm.test.TestEvent", events[1].GetProperty("manifest").GetString());
        Assert.DoesNotContain("Password", r.StdOut);
    }

    [Fact]
    public void An_unreachable_server_is_one_line_naming_it()
    {
        var r = StlmProcess.Run(Path.GetTempPath(), "journal", "dump", "--journal", "postgres:Host=127.0.0.1;Port=1;Username=x;Password=y;Database=z;Timeout=2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot read the postgres journal at 127.0.0.1:1/z", r.StdErr);
        Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
