using System.Data.Common;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// What differs between the SQL engines: how to connect, the schema's DDL, which error is a
/// unique violation, and whether identity values commit in order. Everything else (the journal,
/// snapshot store and queries) is written once against ADO.NET and <see cref="SqlStatements"/>.
/// Owns its connection pool: dispose it after the stores that use it.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    readonly SemaphoreSlim _schemaLock = new(1, 1);
    volatile bool _schemaReady;
    SemaphoreSlim? _writeGate;

    /// <summary>"sqlite" or "postgres": the prefix of a journal location.</summary>
    public abstract string Engine { get; }

    /// <summary>Where the journal lives, for messages (a path, or host/database/schema).</summary>
    public abstract string Where { get; }

    /// <summary>Idempotent DDL creating every table and index (CREATE … IF NOT EXISTS).</summary>
    protected abstract string SchemaSql { get; }

    public virtual SqlStatements Statements => SqlStatements.Shared;

    /// <summary>
    /// True when ordering values become visible in increasing order (one writer at a time, as in
    /// SQLite). PostgreSQL hands out identity values before commit, so a lower one can appear
    /// after a higher one: live readers by ordering must then wait for gaps.
    /// </summary>
    public abstract bool CommitsInOrderingOrder { get; }

    /// <summary>Writes from this process go one at a time (SQLite has one writer per file anyway).</summary>
    public abstract bool SerializeWrites { get; }

    /// <summary>
    /// Rows per INSERT statement when options do not say: many where a round trip is dear
    /// (a server), one where a prepared statement re-run in process is cheapest (SQLite).
    /// </summary>
    public abstract int RowsPerInsert { get; }

    /// <summary>The most bind parameters one statement may carry.</summary>
    public virtual int MaxParameters => 30_000;

    public abstract bool IsUniqueViolation(DbException e);

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>Runs before the schema DDL, outside any transaction (e.g. SQLite's WAL switch).</summary>
    protected virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>An open connection to a database whose schema exists (created on first use).</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        var connection = await OpenConnectionAsync(ct);
        if (_schemaReady) return connection;
        try
        {
            await EnsureSchemaAsync(connection, ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    async Task EnsureSchemaAsync(DbConnection connection, CancellationToken ct)
    {
        await _schemaLock.WaitAsync(ct);
        try
        {
            if (_schemaReady) return;
            await PrepareDatabaseAsync(connection, ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = SchemaSql;
            await command.ExecuteNonQueryAsync(ct);
            await tx.CommitAsync(ct);
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    /// <summary>Waits for this process's turn to write when the engine takes one writer at a time.</summary>
    public async ValueTask<WriteTurn> WriteTurnAsync(CancellationToken ct)
    {
        if (!SerializeWrites) return default;
        var gate = LazyInitializer.EnsureInitialized(ref _writeGate, () => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new WriteTurn(gate);
    }

    public readonly struct WriteTurn(SemaphoreSlim? gate) : IDisposable
    {
        public void Dispose() => gate?.Release();
    }

    public virtual ValueTask DisposeAsync()
    {
        _schemaLock.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
