using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Stlm.Actors.Persistence.Sql;
using Stlm.Model;

namespace Stlm.Actors.Persistence;

/// <summary>
/// One journal database as Stlm uses it: Akka.Persistence.Sql's journal, snapshot store and
/// read journal (<see cref="StlmAkka.For"/>) plus Stlm's own tables beside them (leases,
/// operator requests) through <see cref="Dialect"/>. Views and tools read through
/// <see cref="Query"/> (an actor system started on first use); sessions start their own
/// actor systems with <see cref="CreateSystem"/>. A journal written before the move to Akka
/// is refused in one line naming `stlm journal migrate`.
/// <code>
/// await using var store = JournalStore.Open(JournalLocation.Parse("sqlite:stlm-data/journal.db"));
/// await foreach (var e in store.Query.CurrentEventsByPersistenceId("run-r-7")) …
/// </code>
/// </summary>
public sealed class JournalStore : IAsyncDisposable
{
    readonly object _gate = new();
    ActorSystem? _querySystem;
    RunQueries? _query;

    JournalStore(JournalLocation location, SqlDialect dialect, bool createTables)
    {
        Location = location;
        Dialect = dialect;
        AkkaConfig = StlmAkka.For(dialect, createTables);
    }

    public JournalLocation Location { get; }

    public SqlDialect Dialect { get; }

    public Akka.Configuration.Config AkkaConfig { get; }

    /// <summary>Opens (creating it if need be) a journal of the current format; an older one is refused.</summary>
    public static JournalStore Open(JournalLocation location) => OpenAsync(location).GetAwaiter().GetResult();

    public static Task<JournalStore> OpenAsync(JournalLocation location, CancellationToken ct = default) =>
        OpenAsync(location, location.CreateDialect(), ct);

    /// <summary>On a dialect of the caller's (e.g. a PostgreSQL schema of its own); the store disposes it.</summary>
    public static JournalStore Open(SqlDialect dialect) =>
        OpenAsync(new JournalLocation(dialect.Engine, dialect.Where), dialect, CancellationToken.None).GetAwaiter().GetResult();

    static async Task<JournalStore> OpenAsync(JournalLocation location, SqlDialect dialect, CancellationToken ct)
    {
        try
        {
            await using (await dialect.OpenAsync(ct)) { }
            if (await Migration.LegacyJournal.IsLegacyAsync(dialect, ct))
                throw new StlmException(Migration.LegacyJournal.Refusal(location));
            // Tables made once are not made again by every actor system of every later command.
            var createTables = false;
            foreach (var table in StlmAkka.Tables) createTables |= !await dialect.HasTableAsync(table, ct);
            return new JournalStore(location, dialect, createTables);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode is 5 or 6 /* SQLITE_BUSY, SQLITE_LOCKED */)
        {
            await dialect.DisposeAsync();
            throw new StlmException($"the sqlite journal at {dialect.Where} is locked by another process (still, after waiting for it): " +
                                    "close whatever holds it (an open sqlite3 shell, a backup) and run the command again", e);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await dialect.DisposeAsync();
            throw new StlmException($"cannot read the {dialect.Engine} journal at {dialect.Where}: {e.Message}", e);
        }
        catch
        {
            await dialect.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new actor system on this journal (its persistent actors journal here).</summary>
    public ActorSystem CreateSystem(string name) => ActorSystem.Create(name, AkkaConfig);

    /// <summary>The read side: queries by persistence id and the latest snapshots.</summary>
    public RunQueries Query
    {
        get
        {
            lock (_gate)
            {
                if (_query is not null) return _query;
                _querySystem ??= CreateSystem("stlm-query");
                WaitForJournal(_querySystem);
                return _query = new RunQueries(_querySystem);
            }
        }
    }

    /// <summary>
    /// Akka.Persistence.Sql's read journal gives its write journal 5 s to initialise (tables,
    /// connection pool) and fails otherwise; on a loaded machine that is not enough. A replay
    /// of nothing is answered only once the journal is ready, so ask that first, with time to spare.
    /// </summary>
    static void WaitForJournal(ActorSystem system)
    {
        var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
        journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, "stlm-journal-ready", replyTo), TimeSpan.FromMinutes(2), CancellationToken.None)
            .GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (_querySystem is not null) await _querySystem.Terminate();
        await Dialect.DisposeAsync();
    }
}

/// <summary>
/// Akka.Persistence.Query's SQL read journal, as async sequences. Views read "current"
/// queries by persistence id: a run has one writer at a time (its lease), so its sequence
/// numbers are dense and a query sees every event committed before it ran (see README.md for
/// why views never read by tag).
/// </summary>
public sealed class RunQueries(ActorSystem system)
{
    readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    readonly IMaterializer _materializer = system.Materializer();

    public SqlReadJournal ReadJournal => _journal;

    public ActorSystem System => system;

    public IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, CancellationToken ct = default) =>
        Run(_journal.CurrentEventsByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr), ct);

    /// <summary>The sequence number of the newest event of the persistence id (0: none).</summary>
    public async Task<long> HighestSequenceNrAsync(string persistenceId, CancellationToken ct = default)
    {
        var highest = 0L;
        await foreach (var e in CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue, ct))
            highest = e.SequenceNr;
        return highest;
    }

    public IAsyncEnumerable<string> CurrentPersistenceIds(CancellationToken ct = default) => Run(_journal.CurrentPersistenceIds(), ct);

    /// <summary>The youngest snapshot of the persistence id, or null.</summary>
    public async Task<SelectedSnapshot?> LatestSnapshotAsync(string persistenceId, CancellationToken ct = default)
    {
        var store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var result = await store.Ask<object>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(30), ct);
        return result switch
        {
            LoadSnapshotResult loaded => loaded.Snapshot,
            LoadSnapshotFailed failed => throw failed.Cause,
            _ => throw new InvalidOperationException($"unexpected answer {result} from the snapshot store"),
        };
    }

    async IAsyncEnumerable<T> Run<T>(Source<T, Akka.NotUsed> source, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in source.RunAsAsyncEnumerable(_materializer).WithCancellation(ct))
            yield return item;
    }
}
