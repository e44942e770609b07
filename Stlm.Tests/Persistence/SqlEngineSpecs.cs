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

public sealed class SqliteJournalTests : JournalSpec
{
    readonly SqliteTestDatabase _db = new();
    SqlDialect? _dialect;

    protected override Task<IJournal> CreateJournalAsync(IPayloadSerializer serializer) =>
        Task.FromResult<IJournal>(new SqlJournal(_dialect = _db.CreateDialect(), serializer, new SqlJournalOptions { RowsPerInsert = 64 }));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class PostgresJournalTests : JournalSpec
{
    readonly PostgresTestDatabase _db = new();
    SqlDialect? _dialect;

    protected override Task<IJournal> CreateJournalAsync(IPayloadSerializer serializer) =>
        Task.FromResult<IJournal>(new SqlJournal(_dialect = _db.CreateDialect(), serializer, new SqlJournalOptions { RowsPerInsert = 64 }));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class SqliteSnapshotStoreTests : SnapshotStoreSpec
{
    readonly SqliteTestDatabase _db = new();
    SqlDialect? _dialect;

    protected override Task<ISnapshotStore> CreateStoreAsync(IPayloadSerializer serializer) =>
        Task.FromResult<ISnapshotStore>(new SqlSnapshotStore(_dialect = _db.CreateDialect(), serializer));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class PostgresSnapshotStoreTests : SnapshotStoreSpec
{
    readonly PostgresTestDatabase _db = new();
    SqlDialect? _dialect;

    protected override Task<ISnapshotStore> CreateStoreAsync(IPayloadSerializer serializer) =>
        Task.FromResult<ISnapshotStore>(new SqlSnapshotStore(_dialect = _db.CreateDialect(), serializer));

    protected override async Task CleanupAsync()
    {
        if (_dialect is not null) await _dialect.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class SqliteReadJournalTests : ReadJournalSpec
{
    readonly SqliteTestDatabase _db = new();
    SqlPersistence? _store;

    protected override Task<(IJournal Journal, IReadJournal Query)> CreateAsync(IPayloadSerializer serializer)
    {
        _store = new SqlPersistence(_db.CreateDialect(), serializer, SqlSpecs.QueryOptions);
        return Task.FromResult<(IJournal, IReadJournal)>((_store.Journal, _store.Query));
    }

    protected override async Task CleanupAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class PostgresReadJournalTests : ReadJournalSpec
{
    readonly PostgresTestDatabase _db = new();
    SqlPersistence? _store;

    protected override Task<(IJournal Journal, IReadJournal Query)> CreateAsync(IPayloadSerializer serializer)
    {
        _store = new SqlPersistence(_db.CreateDialect(), serializer, SqlSpecs.QueryOptions);
        return Task.FromResult<(IJournal, IReadJournal)>((_store.Journal, _store.Query));
    }

    protected override async Task CleanupAsync()
    {
        if (_store is not null) await _store.DisposeAsync();
        await _db.DisposeAsync();
    }
}

public sealed class SqliteSqlJournalTests() : SqlJournalSpec(new SqliteTestDatabase());

public sealed class PostgresSqlJournalTests() : SqlJournalSpec(new PostgresTestDatabase());
