using System.Data.Common;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// What differs between the SQL engines for the tables Stlm keeps beside Akka's journal in the
/// same database (run leases, operator requests): how to connect, which error is a unique
/// violation, and the DDL run once on the first connection (PostgreSQL: the schema). Akka.Persistence.Sql
/// reaches the same database through <see cref="AkkaConnectionString"/> and <see cref="AkkaProvider"/>.
/// Owns its connection pool: dispose it after the stores that use it.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    readonly SemaphoreSlim _schemaLock = new(1, 1);
    volatile bool _schemaReady;

    /// <summary>"sqlite" or "postgres": the prefix of a journal location.</summary>
    public abstract string Engine { get; }

    /// <summary>Where the journal lives, for messages (a path, or host/database/schema).</summary>
    public abstract string Where { get; }

    /// <summary>The linq2db provider Akka.Persistence.Sql uses for this engine.</summary>
    public abstract string AkkaProvider { get; }

    /// <summary>The connection string Akka.Persistence.Sql opens.</summary>
    public abstract string AkkaConnectionString { get; }

    /// <summary>The schema Akka's tables live in (null: the connection's default).</summary>
    public virtual string? AkkaSchema => null;

    /// <summary>Idempotent DDL run on the first connection (CREATE … IF NOT EXISTS).</summary>
    protected abstract string SchemaSql { get; }

    public abstract bool IsUniqueViolation(DbException e);

    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>Runs before the schema DDL, outside any transaction (e.g. SQLite's WAL switch).</summary>
    protected virtual Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct) => Task.CompletedTask;

    /// <summary>True when a table of that name exists in this database (schema).</summary>
    public abstract Task<bool> HasTableAsync(string table, CancellationToken ct = default);

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
            if (SchemaSql.Length > 0)
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = SchemaSql;
                await command.ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
            }
            _schemaReady = true;
        }
        finally
        {
            _schemaLock.Release();
        }
    }

    public virtual ValueTask DisposeAsync()
    {
        _schemaLock.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
