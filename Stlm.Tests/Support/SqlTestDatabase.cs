using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;

namespace Stlm.Tests.Support;

/// <summary>A throw-away database for one test: a temp SQLite file, or a fresh PostgreSQL schema.</summary>
public abstract class SqlTestDatabase : IAsyncDisposable
{
    /// <summary>A new dialect (its own connection pool) onto the same database.</summary>
    public abstract SqlDialect CreateDialect();

    public abstract ValueTask DisposeAsync();

    /// <summary>The run as its journal says now, read through a store of its own (as another process would read it).</summary>
    public async Task<RunState> LoadRunAsync(string runId)
    {
        await using var store = JournalStore.Open(CreateDialect());
        return await new RunJournalReader(store.Query).LoadAsync(runId);
    }

    /// <summary>Every event the run journaled, in order.</summary>
    public async Task<List<object>> RunEventsAsync(string runId)
    {
        await using var store = JournalStore.Open(CreateDialect());
        var events = new List<object>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId)))
            events.Add(e.Event);
        return events;
    }
}

public sealed class SqliteTestDatabase : SqlTestDatabase
{
    readonly string _folder = Directory.CreateTempSubdirectory("stlm-journal-").FullName;

    public string Path => System.IO.Path.Combine(_folder, "journal.db");

    public override SqlDialect CreateDialect() => new SqliteDialect(Path);

    public override ValueTask DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresTestDatabase : SqlTestDatabase
{
    public const string Variable = "STLM_TEST_PG";

    public PostgresTestDatabase()
    {
        ConnectionString = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{Variable} is not set: the PostgreSQL journal tests need a server; run them with ./stlm test " +
                "(it starts the local PostgreSQL and exports STLM_TEST_PG)");
    }

    public string ConnectionString { get; }

    /// <summary>Each test gets its own schema, so global orderings and tags never mix between tests.</summary>
    public string Schema { get; } = "stlm_t_" + Guid.NewGuid().ToString("N")[..16];

    public override SqlDialect CreateDialect() => new PostgresDialect(ConnectionString, Schema);

    public override async ValueTask DisposeAsync()
    {
        await using var dialect = new PostgresDialect(ConnectionString, Schema);
        await dialect.DropSchemaAsync();
    }
}
