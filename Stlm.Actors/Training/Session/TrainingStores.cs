using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Leases;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// Where sessions keep runs: the journal database (Akka.Persistence.Sql's journal, snapshots
/// and queries, <see cref="JournalStore"/>) and the run leases beside them.
/// <code>
/// await using var stores = TrainingStores.Open(DataPaths.From(config).Journal);  // SQLite by default
/// </code>
/// </summary>
public sealed class TrainingStores(JournalStore journal, RunLeaseStore leases, bool ownsJournal = true) : IAsyncDisposable
{
    public JournalStore Journal { get; } = journal;
    public RunLeaseStore Leases { get; } = leases;
    public RunQueries Query => Journal.Query;

    /// <summary>A SQL journal (SQLite or PostgreSQL) with its leases and queries.</summary>
    public static TrainingStores Open(JournalLocation location)
    {
        var store = JournalStore.Open(location);
        return new TrainingStores(store, new RunLeaseStore(store.Dialect));
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsJournal) await Journal.DisposeAsync();
    }
}
