using System.Text.Json;
using Microsoft.Data.Sqlite;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Host.Commands;

public sealed class JournalDumpTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public async Task InitializeAsync()
    {
        var system = _journal.StartSystem();
        var run = system.ActorOf(RunActor.Props("r-1", 1000));
        await RunActor.AskAsync(run, RunTestJournal.Create("r-1"));
        for (var step = 1; step <= 4; step++)
            await RunActor.AskAsync(run, new RecordStep(RunTestJournal.Step(step)));
        await RunTestJournal.StopAsync(system);
        SqliteConnection.ClearAllPools();
        // Event 3 (step 2) written by "a newer build" under a manifest this one does not know, event 4 (step 3) damaged.
        using var connection = new SqliteConnection($"Data Source={_journal.Path}");
        connection.Open();
        using var future = connection.CreateCommand();
        future.CommandText = "UPDATE akka_journal SET manifest = 'stlm.run.FromTheFuture' WHERE sequence_number = 3;" +
                             "UPDATE akka_journal SET message = x'c1c1c1' WHERE sequence_number = 4";
        future.ExecuteNonQuery();
    }

    [Fact]
    public void Journal_dump_shows_rows_it_cannot_deserialize_as_undecodable_with_their_manifest_and_serializer_and_goes_on()
    {
        var dump = StlmProcess.Run(_journal.Folder, "journal", "dump", "--journal", "sqlite:" + _journal.Path, "--json");

        Assert.True(dump.ExitCode == 0, dump.StdErr);
        var rows = JsonDocument.Parse(dump.StdOut).RootElement.EnumerateArray().ToList();
        Assert.Equal([1L, 2, 3, 4, 5], rows.Select(r => r.GetProperty("sequenceNr").GetInt64()));
        Assert.Equal(["stlm.run.RunCreated", "stlm.run.StepCompleted", "stlm.run.FromTheFuture", "stlm.run.StepCompleted", "stlm.run.StepCompleted"],
            rows.Select(r => r.GetProperty("manifest").GetString()));
        Assert.Equal(4, rows[4].GetProperty("event").GetProperty("step").GetInt64());
        foreach (var bad in new[] { rows[2], rows[3] })
        {
            var e = bad.GetProperty("event");
            Assert.Equal(117, e.GetProperty("serializerId").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("undecodable").GetString()));
        }
        Assert.Contains("FromTheFuture", rows[2].GetProperty("event").GetProperty("undecodable").GetString());

        var lines = StlmProcess.Run(_journal.Folder, "journal", "dump", "--journal", "sqlite:" + _journal.Path);
        Assert.True(lines.ExitCode == 0, lines.StdErr);
        Assert.Equal(5, lines.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("run-r-1#3", lines.StdOut);
        Assert.Contains("\"undecodable\"", lines.StdOut);
    }

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        await _journal.DisposeAsync();
    }
}
