using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stlm.Actors.Migration;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Migration;

/// <summary>
/// Journals on disk outlive builds: Fixtures/JournalV2 was written by the first build on Akka
/// (MessagePack run events; dump.json is its `stlm journal dump --json`) and must read back in
/// every later build; Fixtures/JournalV1 was written by the release before (Protobuf in Stlm's
/// own tables; dump-by-v1.json is that release's dump) and is refused until `stlm journal migrate`
/// converts it.
/// </summary>
public sealed class JournalFormatTests : IDisposable
{
    readonly TempDirectory _dir = new();

    string Copy(string fixture)
    {
        var path = Path.Combine(_dir.Path, "journal.db");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture, "journal.db"), path);
        return path;
    }

    static JsonElement[] Dump(string fixture, string file) =>
        [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture, file))).RootElement.EnumerateArray()];

    /// <summary>Every field the old dump shows has the same value in the event read now (fields added since may follow).</summary>
    static void AssertHolds(JsonElement expected, object actual, Func<string, string> key)
    {
        var now = JsonDocument.Parse(actual.ToString()!).RootElement;
        foreach (var field in expected.EnumerateObject())
        {
            Assert.True(now.TryGetProperty(key(field.Name), out var value), $"{actual.GetType().Name} lost its field {field.Name}");
            if (field.Value.ValueKind == JsonValueKind.Object) AssertHolds(field.Value, JsonDocument.Parse(value.GetRawText()).RootElement, key);
            else if (field.Value.ValueKind == JsonValueKind.String && value.ValueKind == JsonValueKind.Number)
                Assert.Equal(decimal.Parse(field.Value.GetString()!), value.GetDecimal()); // Protobuf's JSON writes int64 as strings
            else if (field.Value.ValueKind == JsonValueKind.Number)
                Assert.Equal(field.Value.GetDouble(), value.GetDouble()); // the same double, perhaps written with other digits
            else if (field.Value.ValueKind == JsonValueKind.String) Assert.Equal(field.Value.GetString(), value.GetString());
            else if (field.Value.ValueKind == JsonValueKind.Array)
            {
                Assert.Equal(field.Value.GetArrayLength(), value.GetArrayLength());
                foreach (var (old, now2) in field.Value.EnumerateArray().Zip(value.EnumerateArray()))
                    if (old.ValueKind == JsonValueKind.Object) AssertHolds(old, now2, key);
                    else Assert.Equal(old.GetRawText(), now2.GetRawText());
            }
            else Assert.Equal(field.Value.GetRawText(), value.GetRawText());
        }
    }

    static void AssertHolds(JsonElement expected, JsonElement actual, Func<string, string> key) => AssertHolds(expected, (object)new Raw(actual), key);

    sealed record Raw(JsonElement Json)
    {
        public override string ToString() => Json.GetRawText();
    }

    static async Task<List<(string Id, long Seq, object Event, long Timestamp)>> EventsAsync(JournalStore store)
    {
        var events = new List<(string, long, object, long)>();
        var ids = new List<string>();
        await foreach (var id in store.Query.CurrentPersistenceIds()) ids.Add(id);
        foreach (var id in ids.Order(StringComparer.Ordinal))
            await foreach (var e in store.Query.CurrentEventsByPersistenceId(id))
                events.Add((e.PersistenceId, e.SequenceNr, e.Event, e.Timestamp));
        return events;
    }

    [Fact]
    public async Task A_journal_written_by_the_first_akka_build_reads_back_event_for_event()
    {
        await using var store = JournalStore.Open(new JournalLocation("sqlite", Copy("JournalV2")));
        var events = await EventsAsync(store);
        var expected = Dump("JournalV2", "dump.json").OrderBy(e => e.GetProperty("persistenceId").GetString(), StringComparer.Ordinal)
            .ThenBy(e => e.GetProperty("sequenceNr").GetInt64()).ToList();

        Assert.Equal(expected.Select(e => (e.GetProperty("persistenceId").GetString()!, e.GetProperty("sequenceNr").GetInt64())), events.Select(e => (e.Id, e.Seq)));
        foreach (var (e, (_, _, actual, _)) in expected.Zip(events))
        {
            Assert.Equal(e.GetProperty("manifest").GetString(), Stlm.Actors.Serialization.RunEventSerializer.ManifestFor(actual));
            AssertHolds(e.GetProperty("event"), actual, k => k);
        }
        var runs = await new RunJournalReader(store.Query).LoadAllAsync();
        Assert.Equal([("r-v2", RunStatus.Completed, 6L), ("r-v2-fork", RunStatus.Paused, 6L)], runs.Select(r => (r.RunId, r.Status, r.Step)));
        var snapshot = await store.Query.LatestSnapshotAsync("run-r-v2");
        var tail = new List<object>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId("run-r-v2", snapshot!.Metadata.SequenceNr + 1)) tail.Add(e.Event);
        Assert.Equal(runs[0], RunState.Fold(tail, RunState.FromSnapshot((RunSnapshot)snapshot.Snapshot)));
    }

    [Fact]
    public void A_journal_of_the_previous_release_is_refused_in_one_line_naming_the_migration()
    {
        var path = Copy("JournalV1");
        var before = File.ReadAllBytes(path);

        var refused = Assert.Throws<StlmException>(() => JournalStore.Open(new JournalLocation("sqlite", path)));
        Assert.Contains("stlm journal migrate", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
        var runs = StlmProcess.Run(_dir.Path, new Dictionary<string, string> { ["STLM_DATA_DIR"] = _dir.Path }, "runs");
        Assert.NotEqual(0, runs.ExitCode);
        Assert.Equal([refused.Message], TinyRunLines(runs.StdErr));
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    static List<string> TinyRunLines(string stderr) => EndToEnd.TinyRun.Said(stderr).Select(l => l["stlm: ".Length..]).ToList();

    [Fact]
    public async Task Migrating_a_journal_of_the_previous_release_keeps_every_event_with_its_timestamp_snapshot_and_lease_and_a_backup()
    {
        var path = Copy("JournalV1");
        var report = await JournalMigration.MigrateAsync(new JournalLocation("sqlite", path));

        Assert.NotNull(report);
        Assert.Equal((2, 19, 1), (report.Runs, report.Events, report.Snapshots));
        using (var backup = new SqliteConnection($"Data Source={report.Backup};Mode=ReadOnly"))
        {
            backup.Open();
            using var count = backup.CreateCommand();
            count.CommandText = "SELECT count(*) FROM event_journal";
            Assert.Equal(19L, (long)count.ExecuteScalar()!);
        }
        await using var store = JournalStore.Open(new JournalLocation("sqlite", path));
        var events = await EventsAsync(store);
        var expected = Dump("JournalV1", "dump-by-v1.json").OrderBy(e => e.GetProperty("persistenceId").GetString(), StringComparer.Ordinal)
            .ThenBy(e => e.GetProperty("sequenceNr").GetInt64()).ToList();
        Assert.Equal(expected.Select(e => (e.GetProperty("persistenceId").GetString()!, e.GetProperty("sequenceNr").GetInt64())), events.Select(e => (e.Id, e.Seq)));
        foreach (var (e, (_, _, actual, timestamp)) in expected.Zip(events))
        {
            Assert.Equal(e.GetProperty("manifest").GetString(), Stlm.Actors.Serialization.RunEventSerializer.ManifestFor(actual));
            AssertHolds(e.GetProperty("event"), actual, SnakeCase);
            // When it was journaled, not when it was migrated.
            Assert.Equal(DateTime.Parse(e.GetProperty("timestamp").GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind).Ticks, timestamp);
        }
        var runs = await new RunJournalReader(store.Query).LoadAllAsync();
        Assert.Equal([("r-old", RunStatus.Completed, 6L), ("r-fork", RunStatus.Paused, 6L)], runs.Select(r => (r.RunId, r.Status, r.Step)));
        Assert.Equal(("lr", "3e-4", 7L), (runs[1].Overrides.Single().What, runs[1].Overrides.Single().Value, runs[1].Overrides.Single().FromStep));
        var snapshot = await store.Query.LatestSnapshotAsync("run-r-old");
        Assert.Equal(15, snapshot!.Metadata.SequenceNr);
        var tail = new List<object>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId("run-r-old", 16)) tail.Add(e.Event);
        Assert.Equal(runs[0], RunState.Fold(tail, RunState.FromSnapshot((RunSnapshot)snapshot.Snapshot)));
        await using var leases = new SqliteDialect(path);
        await using var connection = await leases.OpenAsync();
        await using var count2 = connection.CreateCommand();
        count2.CommandText = "SELECT count(*) FROM run_lease";
        Assert.Equal(2L, (long)(await count2.ExecuteScalarAsync())!);

        Assert.Null(await JournalMigration.MigrateAsync(new JournalLocation("sqlite", path)));
    }

    static string SnakeCase(string camel) => string.Concat(camel.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
