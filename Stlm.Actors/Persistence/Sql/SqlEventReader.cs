using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Reads event rows as <see cref="StoredEvent"/>s (bytes, not objects): replay, the queries
/// and `stlm journal dump` all go through here. Tags are fetched per page with one query.
/// </summary>
public sealed class SqlEventReader(SqlDialect dialect)
{
    readonly SqlStatements _sql = dialect.Statements;

    public SqlDialect Dialect => dialect;

    /// <summary>Events of one id with from ≤ seq ≤ to, at most max, in sequence order.</summary>
    public IAsyncEnumerable<StoredEvent> ByPersistenceIdAsync(string persistenceId, long from, long to, long max,
        bool withTags, bool withDeleted = false, CancellationToken ct = default) =>
        ReadAsync(_sql.EventsByPersistenceId, c => c.With("@pid", persistenceId).With("@from", from).With("@to", to).With("@max", max)
            .With("@withDeleted", withDeleted), withTags, ct);

    /// <summary>Events with after &lt; ordering ≤ upTo, at most max, in ordering order.</summary>
    public IAsyncEnumerable<StoredEvent> ByOrderingAsync(long after, long upTo, long max, bool withDeleted,
        CancellationToken ct = default) =>
        ReadAsync(_sql.EventsByOrdering, c => c.With("@after", after).With("@upto", upTo).With("@max", max).With("@withDeleted", withDeleted),
            withTags: true, ct);

    /// <summary>Non-deleted events carrying the tag with after &lt; ordering ≤ upTo, at most max.</summary>
    public IAsyncEnumerable<StoredEvent> ByTagAsync(string tag, long after, long upTo, long max, CancellationToken ct = default) =>
        ReadAsync(_sql.EventsByTag, c => c.With("@tag", tag).With("@after", after).With("@upto", upTo).With("@max", max),
            withTags: true, ct);

    public async Task<long> MaxOrderingAsync(CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Db.Command(connection, _sql.MaxOrdering);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>Orderings after the given one with their write times (deleted rows included).</summary>
    public async Task<List<(long Ordering, DateTime Created)>> OrderingsAfterAsync(long after, int max, CancellationToken ct = default)
    {
        var rows = new List<(long, DateTime)>();
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Db.Command(connection, _sql.OrderingsAfter).With("@after", after).With("@max", (long)max);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetInt64(0), Db.Time(reader.GetInt64(1))));
        return rows;
    }

    public async IAsyncEnumerable<string> PersistenceIdsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Db.Command(connection, _sql.PersistenceIds);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            yield return reader.GetString(0);
    }

    async IAsyncEnumerable<StoredEvent> ReadAsync(string sql, Action<DbCommand> bind, bool withTags,
        [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await dialect.OpenAsync(ct);
        var rows = new List<StoredEvent>();
        await using (var command = Db.Command(connection, sql))
        {
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var row = Row(reader);
                // Without tags nothing needs the page as a whole: stream (replay of a long run).
                if (withTags) rows.Add(row);
                else yield return row;
            }
        }
        if (!withTags || rows.Count == 0) yield break;
        var tags = await TagsAsync(connection, rows.Min(r => r.Ordering), rows.Max(r => r.Ordering), ct);
        foreach (var row in rows)
            yield return tags.TryGetValue(row.Ordering, out var these) ? row with { Tags = these } : row;
    }

    async Task<Dictionary<long, List<string>>> TagsAsync(DbConnection connection, long first, long last, CancellationToken ct)
    {
        var tags = new Dictionary<long, List<string>>();
        await using var command = Db.Command(connection, _sql.TagsInOrderingRange).With("@first", first).With("@last", last);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var ordering = reader.GetInt64(0);
            if (!tags.TryGetValue(ordering, out var list)) tags[ordering] = list = [];
            list.Add(reader.GetString(1));
        }
        return tags;
    }

    static StoredEvent Row(DbDataReader r) => new(
        Ordering: r.GetInt64(0),
        PersistenceId: r.GetString(1),
        SequenceNr: r.GetInt64(2),
        Created: Db.Time(r.GetInt64(3)),
        Payload: new SerializedPayload(r.GetInt32(5), r.GetString(6), r.GetFieldValue<byte[]>(4)),
        WriterUuid: r.GetString(7),
        Deleted: r.GetBoolean(8),
        Tags: []);
}
