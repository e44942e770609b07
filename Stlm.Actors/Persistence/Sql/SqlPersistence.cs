using Stlm.Actors.Persistence.Query;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// A journal, snapshot store and read journal over one SQL database, sharing one connection
/// pool; disposing this closes it. Usage:
/// <code>await using var store = SqlPersistence.Open(JournalLocation.Parse("sqlite:stlm-data/journal.db"), serializer);</code>
/// </summary>
public sealed class SqlPersistence : IAsyncDisposable
{
    public SqlPersistence(SqlDialect dialect, IPayloadSerializer serializer, SqlJournalOptions? options = null)
    {
        Dialect = dialect;
        Journal = new SqlJournal(dialect, serializer, options);
        Snapshots = new SqlSnapshotStore(dialect, serializer);
        Query = new SqlReadJournal(dialect, serializer, options);
        Events = new SqlEventReader(dialect);
    }

    public static SqlPersistence Open(JournalLocation location, IPayloadSerializer serializer, SqlJournalOptions? options = null) =>
        new(location.CreateDialect(), serializer, options);

    public SqlDialect Dialect { get; }

    public SqlJournal Journal { get; }

    public SqlSnapshotStore Snapshots { get; }

    public IReadJournal Query { get; }

    /// <summary>Stored rows as bytes (for tools that print journals without knowing every type).</summary>
    public SqlEventReader Events { get; }

    public async ValueTask DisposeAsync()
    {
        await Journal.DisposeAsync();
        await Snapshots.DisposeAsync();
        await Dialect.DisposeAsync();
    }
}
