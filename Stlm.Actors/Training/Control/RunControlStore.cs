using System.Data.Common;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Training.Control;

/// <summary>
/// Requests to the process that trains a run, in the journal's database (SQLite or PostgreSQL,
/// table run_control). The journal keeps one writer per run, so another process never journals
/// a running run's events: it writes a request here, the trainer takes it, acts through its
/// RunActor and answers with an outcome line.
/// <code>
/// var control = new RunControlStore(store.Dialect);
/// var id = await control.SubmitAsync("r-7", ControlAsk.Pause("operator"), "pid 4123 on node x");  // asker
/// var pending = await control.PendingAsync("r-7");                                                 // trainer, polling
/// if (await control.ClaimAsync(pending[0].Id)) await control.AnswerAsync(pending[0].Id, ControlAnswer.Ok("paused at step 120"));
/// var answered = await control.GetAsync(id);                                                       // asker, polling
/// </code>
/// Every change of state is a conditional UPDATE (from the state it expects), so an asker that
/// withdraws and a trainer that claims the same request cannot both win.
/// </summary>
public sealed class RunControlStore(SqlDialect dialect, TimeProvider? time = null)
{
    readonly ControlSql _sql = ControlSql.For(dialect);
    readonly SchemaOnce _schema = new(dialect, ControlSql.For(dialect).Schema);
    readonly TimeProvider _time = time ?? TimeProvider.System;

    long NowTicks => _time.GetUtcNow().UtcDateTime.Ticks;

    /// <summary>Writes a pending request and returns its id.</summary>
    public async Task<long> SubmitAsync(string runId, ControlAsk ask, string requestedBy, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var insert = Db.Command(connection, ControlSql.Insert)
            .With("@run", runId).With("@kind", Text(ask.Kind)).With("@reason", ask.Reason).With("@what", ask.What)
            .With("@value", ask.Value).With("@from", ask.FromStep ?? -1).With("@by", requestedBy).With("@now", NowTicks);
        return Convert.ToInt64(await insert.ExecuteScalarAsync(ct));
    }

    /// <summary>The request, or null when there is none with that id.</summary>
    public async Task<ControlRequest?> GetAsync(long id, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection, ControlSql.SelectOne).With("@id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>The run's requests nobody took yet, oldest first.</summary>
    public async Task<IReadOnlyList<ControlRequest>> PendingAsync(string runId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection, ControlSql.SelectPending).With("@run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var pending = new List<ControlRequest>();
        while (await reader.ReadAsync(ct)) pending.Add(Read(reader));
        return pending;
    }

    /// <summary>The trainer takes a pending request; false when it was withdrawn or taken meanwhile.</summary>
    public Task<bool> ClaimAsync(long id, CancellationToken ct = default) =>
        MoveAsync(id, ControlState.Pending, ControlState.Taken, "", ct);

    /// <summary>The trainer's answer to a request it took; false when it had not taken it.</summary>
    public Task<bool> AnswerAsync(long id, ControlAnswer answer, CancellationToken ct = default) =>
        MoveAsync(id, ControlState.Taken, answer.Done ? ControlState.Done : ControlState.Refused, answer.Outcome, ct);

    /// <summary>The asker gives up on a request nobody took; false when the trainer took it first.</summary>
    public Task<bool> WithdrawAsync(long id, string why, CancellationToken ct = default) =>
        MoveAsync(id, ControlState.Pending, ControlState.Withdrawn, why, ct);

    async Task<bool> MoveAsync(long id, ControlState from, ControlState to, string outcome, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection, ControlSql.Move)
            .With("@to", Text(to)).With("@outcome", outcome).With("@now", NowTicks).With("@id", id).With("@from", Text(from));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    static string Text<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    static T Parse<T>(string text) where T : struct, Enum => Enum.Parse<T>(text, ignoreCase: true);

    static ControlRequest Read(DbDataReader r)
    {
        var from = r.GetInt64(6);
        var ask = new ControlAsk(Parse<ControlKind>(r.GetString(2)), r.GetString(3), r.GetString(4), r.GetString(5), from < 0 ? null : from);
        var changed = r.GetInt64(11);
        return new ControlRequest(r.GetInt64(0), r.GetString(1), ask, Parse<ControlState>(r.GetString(7)), r.GetString(8),
            r.GetString(9), Db.Time(r.GetInt64(10)), changed == 0 ? null : Db.Time(changed));
    }

    Task<DbConnection> OpenAsync(CancellationToken ct) => _schema.OpenAsync(ct);
}
