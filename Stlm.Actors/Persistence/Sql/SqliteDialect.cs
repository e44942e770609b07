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

    public override bool CommitsInOrderingOrder => true;

    public override bool SerializeWrites => true;

    // Binding hundreds of named parameters costs more in Microsoft.Data.Sqlite than re-running
    // one prepared single-row statement, which SQLite does in microseconds.
    public override int RowsPerInsert => 1;

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

    protected override string SchemaSql => """
        CREATE TABLE IF NOT EXISTS event_journal (
            ordering INTEGER PRIMARY KEY AUTOINCREMENT,
            persistence_id TEXT NOT NULL,
            sequence_number INTEGER NOT NULL,
            created INTEGER NOT NULL,
            message BLOB NOT NULL,
            serializer_id INTEGER NOT NULL,
            manifest TEXT NOT NULL,
            writer_uuid TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            UNIQUE (persistence_id, sequence_number)
        );
        CREATE TABLE IF NOT EXISTS tags (
            ordering_id INTEGER NOT NULL,
            tag TEXT NOT NULL,
            persistence_id TEXT NOT NULL,
            sequence_number INTEGER NOT NULL,
            PRIMARY KEY (ordering_id, tag)
        );
        CREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag, ordering_id);
        CREATE TABLE IF NOT EXISTS journal_metadata (
            persistence_id TEXT NOT NULL PRIMARY KEY,
            sequence_number INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS snapshot (
            persistence_id TEXT NOT NULL,
            sequence_number INTEGER NOT NULL,
            created INTEGER NOT NULL,
            snapshot BLOB NOT NULL,
            manifest TEXT NOT NULL,
            serializer_id INTEGER NOT NULL,
            PRIMARY KEY (persistence_id, sequence_number)
        );
        """;

    public override async ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the file can be moved or deleted.
        using (var connection = new SqliteConnection(_connectionString))
            SqliteConnection.ClearPool(connection);
        await base.DisposeAsync();
    }
}
