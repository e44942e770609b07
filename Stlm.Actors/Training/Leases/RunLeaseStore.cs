using System.Data.Common;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Actors.Training.Leases;

/// <summary>
/// Leases on runs, in the journal's database (SQLite or PostgreSQL): at most one process
/// trains a run at a time. Acquire before resuming, renew well before expiry, release when
/// paused or done; a lease whose holder died expires and can be taken over, with a higher
/// fencing token. A holder on this node whose process is gone (SIGKILL, power cut of a
/// container) is taken over at once rather than after its TTL, so `stlm resume` right after a
/// crash works.
/// <code>
/// var leases = new RunLeaseStore(store.Dialect);
/// var lease = await leases.AcquireAsync("r-7", LeaseOwner.ThisProcess(), TimeSpan.FromSeconds(30)); // or RunLeaseRefusedException
/// lease = await leases.RenewAsync(lease, TimeSpan.FromSeconds(30));                                // or RunLeaseLostException
/// await leases.ReleaseAsync(lease);
/// </code>
/// Expiry compares the clocks of the machines involved: keep them in sync (NTP) and the TTL
/// far above their skew.
/// </summary>
public sealed class RunLeaseStore(SqlDialect dialect, TimeProvider? time = null, Func<LeaseOwner, bool>? holderIsGone = null)
{
    readonly Func<LeaseOwner, bool> _holderIsGone = holderIsGone ?? LocalProcesses.IsGone;
    readonly LeaseSql _sql = LeaseSql.For(dialect);
    readonly SchemaOnce _schema = new(dialect, LeaseSql.For(dialect).Schema);
    readonly TimeProvider _time = time ?? TimeProvider.System;

    DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>The lease, or null when someone else holds it unexpired (then <paramref name="holder"/> says who).</summary>
    public async Task<(RunLease? Lease, RunLease? Holder)> TryAcquireAsync(string runId, LeaseOwner owner, TimeSpan ttl, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Exec(connection, tx, LeaseSql.EnsureRow, runId, ct);
        var current = await ReadAsync(connection, tx, _sql.Select, runId, ct);
        var now = Now;
        if (current is { } held && held.Owner.Instance != owner.Instance && held.Expires > now
            && !_holderIsGone(held.Owner))
        {
            await tx.RollbackAsync(ct);
            return (null, held);
        }
        var token = current?.Owner.Instance == owner.Instance ? current.FencingToken : (current?.FencingToken ?? 0) + 1;
        var acquired = current?.Owner.Instance == owner.Instance ? current.Acquired : now;
        var lease = new RunLease(runId, owner, token, acquired, now + ttl);
        await using (var take = Db.Command(connection, LeaseSql.Take, tx))
        {
            take.With("@node", owner.Node).With("@pid", owner.ProcessId).With("@instance", owner.Instance)
                .With("@acquired", lease.Acquired.Ticks).With("@expires", lease.Expires.Ticks).With("@token", token).With("@run", runId);
            await take.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return (lease, null);
    }

    /// <summary>The lease; when another process holds it, <see cref="RunLeaseRefusedException"/> says who and since when.</summary>
    public async Task<RunLease> AcquireAsync(string runId, LeaseOwner owner, TimeSpan ttl, CancellationToken ct = default)
    {
        var (lease, holder) = await TryAcquireAsync(runId, owner, ttl, ct);
        return lease ?? throw new RunLeaseRefusedException(holder!);
    }

    /// <summary>Extends the lease; <see cref="RunLeaseLostException"/> when it was taken over or released.</summary>
    public async Task<RunLease> RenewAsync(RunLease lease, TimeSpan ttl, CancellationToken ct = default)
    {
        var renewed = lease with { Expires = Now + ttl };
        if (await Update(LeaseSql.Renew, lease, renewed.Expires.Ticks, ct) == 1) return renewed;
        throw new RunLeaseLostException(lease, await CurrentAsync(lease.RunId, ct));
    }

    /// <summary>Gives the lease up (nothing happens when it was already lost).</summary>
    public async Task ReleaseAsync(RunLease lease, CancellationToken ct = default) =>
        await Update(LeaseSql.Release, lease, 0, ct);

    /// <summary>The unexpired holder of the run's lease, or null.</summary>
    public async Task<RunLease?> CurrentAsync(string runId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        var current = await ReadAsync(connection, null, LeaseSql.SelectPlain, runId, ct);
        return current is { } c && c.Expires > Now ? c : null;
    }

    /// <summary>
    /// Every run's lease row (released and expired ones too), read without creating the table, so
    /// a view of a journal it cannot write (read-only folder) still works.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RunLease>> ReadAllAsync(CancellationToken ct = default)
    {
        var leases = new Dictionary<string, RunLease>(StringComparer.Ordinal);
        await using var connection = await dialect.OpenAsync(ct);
        await using (var exists = Db.Command(connection, _sql.TableExists))
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0) return leases;
        await using var command = Db.Command(connection, LeaseSql.SelectAll);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var runId = reader.GetString(6);
            leases[runId] = new RunLease(runId, new LeaseOwner(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)), reader.GetInt64(5),
                Db.Time(reader.GetInt64(3)), Db.Time(reader.GetInt64(4)));
        }
        return leases;
    }

    /// <summary>
    /// Whether a run journaled as running has no live trainer: its lease was released or expired,
    /// or its holder's process on this node is gone (killed, crashed). A holder on another node
    /// counts as live until its lease expires.
    /// </summary>
    public bool HolderIsGone(RunLease? lease) =>
        lease is null || lease.Owner.Instance.Length == 0 || lease.Expires <= Now || _holderIsGone(lease.Owner);

    /// <summary>The fencing check: true while this lease is the run's current, unexpired one.</summary>
    public Task<bool> IsCurrentAsync(RunLease lease, CancellationToken ct = default) => IsCurrentAsync(lease, TimeSpan.Zero, ct);

    /// <summary>The fencing check with a margin: the lease is the run's current one and has at least <paramref name="leftAtLeast"/> to run.</summary>
    public async Task<bool> IsCurrentAsync(RunLease lease, TimeSpan leftAtLeast, CancellationToken ct = default) =>
        await CurrentAsync(lease.RunId, ct) is { } c && c.Owner.Instance == lease.Owner.Instance && c.FencingToken == lease.FencingToken
        && c.Expires >= Now + leftAtLeast;

    async Task<int> Update(string sql, RunLease lease, long expiresTicks, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection, sql);
        command.With("@expires", expiresTicks).With("@run", lease.RunId).With("@instance", lease.Owner.Instance).With("@token", lease.FencingToken);
        return await command.ExecuteNonQueryAsync(ct);
    }

    static async Task Exec(DbConnection connection, DbTransaction tx, string sql, string runId, CancellationToken ct)
    {
        await using var command = Db.Command(connection, sql, tx).With("@run", runId);
        await command.ExecuteNonQueryAsync(ct);
    }

    // A row with no owner (never taken, or released) has expires = 0: it reads as expired.
    static async Task<RunLease?> ReadAsync(DbConnection connection, DbTransaction? tx, string sql, string runId, CancellationToken ct)
    {
        await using var command = Db.Command(connection, sql, tx).With("@run", runId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        var instance = reader.GetString(2);
        var token = reader.GetInt64(5);
        return new RunLease(runId, new LeaseOwner(reader.GetString(0), reader.GetInt64(1), instance), token,
            Db.Time(reader.GetInt64(3)), Db.Time(reader.GetInt64(4)));
    }

    Task<DbConnection> OpenAsync(CancellationToken ct) => _schema.OpenAsync(ct);
}
