using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Query;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Tests.Persistence;

/// <summary>Runs the conformance suites on one SQL engine, each test in a fresh database.</summary>
static class SqlSpecs
{
    public static readonly SqlJournalOptions QueryOptions = new()
    {
        PageSize = 3,
        PollInterval = TimeSpan.FromMilliseconds(20),
        MaxGapWait = TimeSpan.FromSeconds(2),
    };
}

/// <summary>The journal conformance suite on one SQL engine.</summary>
public abstract class SqlEngineJournalTests(SqlTestDatabase db) : JournalSpec
{
    SqlDialect? _dialect;

    protected override Task<IJournal> CreateJournalAsync(IPayloadSerializer serializer) =>
        Task.FromResult<IJournal>(new SqlJournal(_dialect = db.CreateDialect(), serializer, new SqlJournalOptions { RowsPerInsert = 64 }));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await db.DisposeAsync();
    }
}

/// <summary>The snapshot store conformance suite on one SQL engine.</summary>
public abstract class SqlEngineSnapshotStoreTests(SqlTestDatabase db) : SnapshotStoreSpec
{
    SqlDialect? _dialect;

    protected override Task<ISnapshotStore> CreateStoreAsync(IPayloadSerializer serializer) =>
        Task.FromResult<ISnapshotStore>(new SqlSnapshotStore(_dialect = db.CreateDialect(), serializer));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await db.DisposeAsync();
    }
}

/// <summary>The query conformance suite on one SQL engine.</summary>
public abstract class SqlEngineReadJournalTests(SqlTestDatabase db) : ReadJournalSpec
{
    SqlPersistence? _store;

    protected override Task<(IJournal Journal, IReadJournal Query)> CreateAsync(IPayloadSerializer serializer)
    {
        _store = new SqlPersistence(db.CreateDialect(), serializer, SqlSpecs.QueryOptions);
        return Task.FromResult<(IJournal, IReadJournal)>((_store.Journal, _store.Query));
    }

    protected override async Task CleanupAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        await db.DisposeAsync();
    }
}

public sealed class SqliteJournalTests() : SqlEngineJournalTests(new SqliteTestDatabase());

public sealed class PostgresJournalTests() : SqlEngineJournalTests(new PostgresTestDatabase());

public sealed class SqliteSnapshotStoreTests() : SqlEngineSnapshotStoreTests(new SqliteTestDatabase());

public sealed class PostgresSnapshotStoreTests() : SqlEngineSnapshotStoreTests(new PostgresTestDatabase());

public sealed class SqliteReadJournalTests() : SqlEngineReadJournalTests(new SqliteTestDatabase());

public sealed class PostgresReadJournalTests() : SqlEngineReadJournalTests(new PostgresTestDatabase());

public sealed class SqliteSqlJournalTests() : SqlJournalSpec(new SqliteTestDatabase());

public sealed class PostgresSqlJournalTests() : SqlJournalSpec(new PostgresTestDatabase());
