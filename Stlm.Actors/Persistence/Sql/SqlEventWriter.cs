using System.Data.Common;
using System.Text;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Inserts serialized events inside one transaction as multi-row INSERTs (one round trip per
/// chunk), reusing the command while chunks keep the same size, then their tag rows.
/// </summary>
internal sealed class SqlEventWriter(SqlStatements sql, int maxParameters, int rowsPerInsert)
{
    const int Columns = 8;

    public sealed record Row(string PersistenceId, long SequenceNr, long CreatedTicks, SerializedPayload Payload,
        string WriterUuid, IReadOnlyCollection<string> Tags);

    public async Task InsertAsync(DbConnection connection, DbTransaction tx, IReadOnlyList<Row> rows, CancellationToken ct)
    {
        var perInsert = Math.Max(1, Math.Min(rowsPerInsert, maxParameters / Columns));
        var orderings = new List<(long Ordering, Row Row)>();
        // Decided once per batch so the prepared statement is not rebuilt between tagged and untagged rows.
        var withTags = false;
        foreach (var row in rows) withTags |= row.Tags.Count > 0;
        DbCommand? command = null;
        try
        {
            for (var start = 0; start < rows.Count; start += perInsert)
            {
                var count = Math.Min(perInsert, rows.Count - start);
                if (command is null || command.Parameters.Count != count * Columns)
                {
                    if (command is not null) await command.DisposeAsync();
                    command = EventsInsert(connection, tx, count, withTags);
                }
                Bind(command, rows, start, count);
                if (!withTags)
                {
                    await command.ExecuteNonQueryAsync(ct);
                    continue;
                }
                var byKey = new Dictionary<(string, long), Row>(count);
                for (var i = start; i < start + count; i++) byKey[(rows[i].PersistenceId, rows[i].SequenceNr)] = rows[i];
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var row = byKey[(reader.GetString(1), reader.GetInt64(2))];
                    if (row.Tags.Count > 0) orderings.Add((reader.GetInt64(0), row));
                }
            }
        }
        finally
        {
            if (command is not null) await command.DisposeAsync();
        }
        if (orderings.Count > 0) await InsertTagsAsync(connection, tx, orderings, ct);
    }

    DbCommand EventsInsert(DbConnection connection, DbTransaction tx, int count, bool returning)
    {
        var text = new StringBuilder(sql.InsertEventsPrefix);
        var command = Db.Command(connection, "", tx);
        for (var r = 0; r < count; r++)
        {
            text.Append(r == 0 ? "(" : ",(");
            for (var c = 0; c < Columns; c++)
            {
                var name = $"@e{r}_{c}";
                text.Append(c == 0 ? name : "," + name);
                command.With(name, DBNull.Value);
            }
            text.Append(')');
        }
        if (returning) text.Append(sql.InsertEventsReturning);
        command.CommandText = text.ToString();
        return command;
    }

    static void Bind(DbCommand command, IReadOnlyList<Row> rows, int start, int count)
    {
        var p = command.Parameters;
        for (var r = 0; r < count; r++)
        {
            var row = rows[start + r];
            var at = r * Columns;
            p[at].Value = row.PersistenceId;
            p[at + 1].Value = row.SequenceNr;
            p[at + 2].Value = row.CreatedTicks;
            p[at + 3].Value = row.Payload.Bytes;
            p[at + 4].Value = row.Payload.SerializerId;
            p[at + 5].Value = row.Payload.Manifest;
            p[at + 6].Value = row.WriterUuid;
            p[at + 7].Value = false;
        }
    }

    async Task InsertTagsAsync(DbConnection connection, DbTransaction tx, List<(long Ordering, Row Row)> tagged, CancellationToken ct)
    {
        var all = tagged.SelectMany(t => t.Row.Tags.Distinct().Select(tag => (t.Ordering, Tag: tag, t.Row))).ToList();
        var perInsert = Math.Max(1, Math.Min(rowsPerInsert, maxParameters / 4));
        for (var start = 0; start < all.Count; start += perInsert)
        {
            var count = Math.Min(perInsert, all.Count - start);
            var text = new StringBuilder(sql.InsertTagsPrefix);
            await using var command = Db.Command(connection, "", tx);
            for (var i = 0; i < count; i++)
            {
                var (ordering, tag, row) = all[start + i];
                text.Append(i == 0 ? "" : ",").Append($"(@o{i},@t{i},@p{i},@s{i})");
                command.With($"@o{i}", ordering).With($"@t{i}", tag).With($"@p{i}", row.PersistenceId).With($"@s{i}", row.SequenceNr);
            }
            command.CommandText = text.ToString();
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
