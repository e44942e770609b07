using Stlm.Actors.Persistence;
using System.Text.Json;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Support;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// The CLI end to end with the journal on PostgreSQL (a fresh schema per test), every command a
/// child process as a user would run it: train, a pause that cannot finish, a SIGKILL, resume,
/// `runs --json` and `replay --verify`; the run ends as the same run trained on SQLite does.
/// </summary>
public sealed class PostgresCommandTests : IAsyncLifetime
{
    const int Steps = 40;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    static readonly string[] OnPostgres = ["--set", "journal.engine=\"postgres\""];

    readonly DataFolder _data = new();
    PostgresTestDatabase? _db;

    PostgresTestDatabase Db => _db ??= new PostgresTestDatabase();

    /// <summary>The data folder for checkpoints and shards; the journal in this test's schema (STLM_PG).</summary>
    IReadOnlyDictionary<string, string> Environment(string? fault = null)
    {
        var env = new Dictionary<string, string>(fault is null ? _data.Environment : _data.WithFault(fault))
        {
            ["STLM_PG"] = $"{Db.ConnectionString};Search Path={Db.Schema}",
        };
        return env;
    }

    StlmChild Stlm(string? fault, params string[] args) => StlmChild.Start(_data.Path, Environment(fault), [.. args, .. OnPostgres]);

    async Task<RunState> LoadAsync(string runId)
    {
        await using var store = JournalStore.Open(Db.CreateDialect());
        return await new RunJournalReader(store.Query).LoadAsync(runId);
    }

    [PostgresFact]
    public async Task Train_pause_kill_resume_runs_and_replay_work_with_the_journal_on_postgres()
    {
        using (var straight = StlmChild.Start(_data.Path, _data.Environment, TinyRun.Train("on-sqlite", Steps)))
            Assert.True(straight.WaitForExit(Timeout) == 0, straight.StdErr);

        // The second checkpoint's writer stops for good before its rename: the trainer can never finish a pause.
        using (var stuck = Stlm("checkpoint:rename@2", TinyRun.Train("on-pg", Steps)))
        {
            Assert.True(stuck.WaitForFault(Timeout) is not null, stuck.StdErr);
            using var pause = Stlm(null, "pause", "on-pg", "--timeout", "3");
            Assert.Equal(2, pause.WaitForExit(Timeout));
            var said = Assert.Single(TinyRun.Said(pause.StdErr));
            Assert.Matches(@"^stlm: the trainer of on-pg \(pid \d+ on node .+\) took the request \(pause \(stlm pause\)\) but did not finish it within 3 s; " +
                           @"it stays recorded and is carried out when the trainer gets to it \(it may be stuck\): see `stlm runs`, or ask again with a larger --timeout$", said);
            stuck.Kill();
        }
        await using (var dialect = Db.CreateDialect())
        {
            var request = await new RunControlStore(dialect).GetAsync(1);
            Assert.Equal(("on-pg", ControlState.Taken), (request!.RunId, request.State)); // it stays recorded; the dead trainer never answers
        }
        var killed = await LoadAsync("on-pg");
        Assert.Equal(RunStatus.Running, killed.Status);
        Assert.Equal([2L], killed.LiveCheckpoints.Select(c => c.Step));

        using (var resume = Stlm(null, TinyRun.Resume("on-pg")))
            Assert.True(resume.WaitForExit(Timeout) == 0, resume.StdErr);

        using var runs = Stlm(null, "runs", "--json");
        Assert.Equal(0, runs.WaitForExit(Timeout));
        var listed = JsonDocument.Parse(runs.StdOut).RootElement.EnumerateArray().ToList();
        var run = Assert.Single(listed); // the SQLite run is in another journal
        Assert.Equal(("on-pg", "completed", Steps), (run.GetProperty("id").GetString(), run.GetProperty("status").GetString(), run.GetProperty("step").GetInt32()));

        using var replay = Stlm(null, "replay", "on-pg", "--verify");
        Assert.True(replay.WaitForExit(Timeout) == 0, replay.StdOut + replay.StdErr);
        Assert.Contains($"{Steps} steps (1..{Steps}) match the journal bit for bit", replay.StdOut);

        var (sqlite, pg) = (_data.Run("on-sqlite"), new DataFolderPaths(_data.Path).Resolved(await LoadAsync("on-pg")));
        Assert.Equal(sqlite.Losses.Select(BitConverter.DoubleToInt64Bits), pg.Losses.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(DataFolder.FileHash(sqlite.LatestCheckpoint()!, "model.safetensors"), DataFolder.FileHash(pg.LatestCheckpoint()!, "model.safetensors"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
        _data.Dispose();
    }
}
