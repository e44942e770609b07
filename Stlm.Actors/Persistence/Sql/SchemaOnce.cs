using System.Data.Common;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Opens connections of a dialect, creating a store's tables (idempotent DDL) on the first
/// one only: the run-lease and run-control stores share it.
/// </summary>
public sealed class SchemaOnce(SqlDialect dialect, string schemaSql)
{
    readonly SemaphoreSlim _lock = new(1, 1);
    volatile bool _ready;

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var connection = await dialect.OpenAsync(ct);
        if (_ready) return connection;
        await _lock.WaitAsync(ct);
        try
        {
            if (!_ready)
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await using (var ddl = Db.Command(connection, schemaSql, tx))
                    await ddl.ExecuteNonQueryAsync(ct);
                await tx.CommitAsync(ct);
                _ready = true;
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }
}
