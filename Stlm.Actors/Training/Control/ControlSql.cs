using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// The control table's SQL: requests from other processes to the one training a run. Only the
/// id column and PostgreSQL's DDL lock (as for the run leases) differ per engine; the table sits
/// beside the journal's, in the same database.
/// </summary>
public sealed record ControlSql(string Schema)
{
    public static ControlSql For(SqlDialect dialect) => dialect.Engine switch
    {
        "sqlite" => new ControlSql(Table("INTEGER PRIMARY KEY AUTOINCREMENT")),
        "postgres" => new ControlSql("SELECT pg_advisory_xact_lock(7460915);\n" + Table("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")),
        _ => throw new NotSupportedException($"no run control on {dialect.Engine}"),
    };

    // from_step < 0 means "the next step the trainer runs"; times are UTC ticks (changed: of the last change of state, 0 while pending).
    static string Table(string id) => $"""
        CREATE TABLE IF NOT EXISTS run_control (
            id {id},
            run_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            what TEXT NOT NULL,
            value TEXT NOT NULL,
            from_step BIGINT NOT NULL,
            state TEXT NOT NULL,
            outcome TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            requested BIGINT NOT NULL,
            changed BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS run_control_by_state ON run_control (run_id, state, id);
        """;

    const string Columns = "id, run_id, kind, reason, what, value, from_step, state, outcome, requested_by, requested, changed";

    public const string Insert =
        "INSERT INTO run_control (run_id, kind, reason, what, value, from_step, state, outcome, requested_by, requested, changed) " +
        "VALUES (@run, @kind, @reason, @what, @value, @from, 'pending', '', @by, @now, 0) RETURNING id";

    public const string SelectOne = $"SELECT {Columns} FROM run_control WHERE id = @id";

    public const string SelectPending = $"SELECT {Columns} FROM run_control WHERE run_id = @run AND state = 'pending' ORDER BY id";

    /// <summary>Moves a request from one state to another only if it is still in the first: the single arbiter of races.</summary>
    public const string Move =
        "UPDATE run_control SET state = @to, outcome = @outcome, changed = @now WHERE id = @id AND state = @from";
}
