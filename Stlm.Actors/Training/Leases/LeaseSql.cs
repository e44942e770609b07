using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Training.Leases;

/// <summary>
/// The lease table's SQL, and the little that differs per engine: PostgreSQL locks the row with
/// FOR UPDATE and serialises DDL with an advisory lock; SQLite's write transaction
/// (BEGIN IMMEDIATE) already locks the whole file. Tables live beside the journal's (same
/// database, same PostgreSQL schema through the search path).
/// </summary>
public sealed record LeaseSql(string Schema, string LockRow)
{
    public static LeaseSql For(SqlDialect dialect) => dialect.Engine switch
    {
        "sqlite" => new LeaseSql(Table, "") { TableExists = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'run_lease'" },
        "postgres" => new LeaseSql("SELECT pg_advisory_xact_lock(7460914);\n" + Table, " FOR UPDATE")
        {
            TableExists = "SELECT count(*) FROM pg_tables WHERE tablename = 'run_lease' AND schemaname = ANY(current_schemas(false))",
        },
        _ => throw new NotSupportedException($"no run leases on {dialect.Engine}"),
    };

    const string Table = """
        CREATE TABLE IF NOT EXISTS run_lease (
            run_id TEXT NOT NULL PRIMARY KEY,
            owner_node TEXT NOT NULL,
            owner_pid BIGINT NOT NULL,
            owner_instance TEXT NOT NULL,
            acquired BIGINT NOT NULL,
            expires BIGINT NOT NULL,
            fencing_token BIGINT NOT NULL
        );
        """;

    // A row stays after release (owner_instance = ''), so the fencing token never goes back.
    public const string EnsureRow =
        "INSERT INTO run_lease (run_id, owner_node, owner_pid, owner_instance, acquired, expires, fencing_token) " +
        "VALUES (@run, '', 0, '', 0, 0, 0) ON CONFLICT (run_id) DO NOTHING";

    public string Select =>
        "SELECT owner_node, owner_pid, owner_instance, acquired, expires, fencing_token FROM run_lease WHERE run_id = @run" + LockRow;

    /// <summary>Counts 1 when the lease table exists (a journal no run was trained in has none).</summary>
    public string TableExists { get; init; } = "";

    public const string SelectAll =
        "SELECT owner_node, owner_pid, owner_instance, acquired, expires, fencing_token, run_id FROM run_lease";

    public const string SelectPlain =
        "SELECT owner_node, owner_pid, owner_instance, acquired, expires, fencing_token FROM run_lease WHERE run_id = @run";

    public const string Take =
        "UPDATE run_lease SET owner_node = @node, owner_pid = @pid, owner_instance = @instance, acquired = @acquired, " +
        "expires = @expires, fencing_token = @token WHERE run_id = @run";

    public const string Renew =
        "UPDATE run_lease SET expires = @expires WHERE run_id = @run AND owner_instance = @instance AND fencing_token = @token";

    public const string Release =
        "UPDATE run_lease SET owner_node = '', owner_pid = 0, owner_instance = '', expires = @expires " +
        "WHERE run_id = @run AND owner_instance = @instance AND fencing_token = @token";
}
