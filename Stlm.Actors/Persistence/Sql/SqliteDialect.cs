using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// The embedded default: one SQLite file in WAL mode (readers never block the writer), a busy
/// timeout so several processes can share it, and synchronous=NORMAL (durable against a crash
/// of the process; a power cut may lose the last commits — set <paramref name="fullSync"/> to
/// fsync every commit).
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    const int BusyTimeoutMs = 30_000;
    readonly string _connectionString;
    readonly string _pragmas;

    public SqliteDialect(string path, bool fullSync = false)
    {
        Path = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
        _pragmas = $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = {(fullSync ? "FULL" : "NORMAL")}; " +
                   "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;";
    }

    public string Path { get; }

    public override string Engine => "sqlite";

    public override string Where => Path;

    public override string AkkaProvider => "SQLite.MS";

    public override string AkkaConnectionString => _connectionString;

    public override bool IsUniqueViolation(DbException e) =>
        e is SqliteException { SqliteErrorCode: 19 /* SQLITE_CONSTRAINT */ } s
        && s.SqliteExtendedErrorCode is 2067 /* _UNIQUE */ or 1555 /* _PRIMARYKEY */;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task PrepareDatabaseAsync(DbConnection connection, CancellationToken ct)
    {
        // WAL is a property of the file: set once, it stays for every later connection.
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        await command.ExecuteNonQueryAsync(ct);
    }

    // Akka.Persistence.Sql creates its own tables; the lease and control stores theirs.
    protected override string SchemaSql => "";

    public override async Task<bool> HasTableAsync(string table, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @name").With("@name", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }

    public override async ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using (var connection = new SqliteConnection(_connectionString))
            SqliteConnection.ClearPool(connection);
        await base.DisposeAsync();
    }
}
