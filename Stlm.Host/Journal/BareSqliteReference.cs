using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Stlm.Actors.Persistence;

namespace Stlm.Host.Journal;

/// <summary>
/// The floor the SQLite journal is measured against in the same run: the same rows (already
/// serialized) inserted through one prepared statement in transactions of the same size, then
/// read back and parsed — no journal, no serializer routing, no tags. On a loaded machine the
/// ratio to this says more than the absolute numbers.
/// </summary>
public static class BareSqliteReference
{
    public static (double PersistPerSecond, double RecoverSeconds) Run(string path, IReadOnlyList<SerializedPayload> payloads,
        int batch, Func<SerializedPayload, object> parse)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; " +
            "CREATE TABLE rows (ordering INTEGER PRIMARY KEY AUTOINCREMENT, persistence_id TEXT NOT NULL, " +
            "sequence_number INTEGER NOT NULL, message BLOB NOT NULL, manifest TEXT NOT NULL, UNIQUE (persistence_id, sequence_number))");

        var clock = Stopwatch.StartNew();
        for (var start = 0; start < payloads.Count; start += batch)
        {
            using var tx = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO rows (persistence_id, sequence_number, message, manifest) VALUES ('bare', @s, @m, @f)";
            var (s, m, f) = (insert.Parameters.Add("@s", SqliteType.Integer), insert.Parameters.Add("@m", SqliteType.Blob), insert.Parameters.Add("@f", SqliteType.Text));
            for (var i = start; i < Math.Min(start + batch, payloads.Count); i++)
            {
                (s.Value, m.Value, f.Value) = (i + 1L, payloads[i].Bytes, payloads[i].Manifest);
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        var persist = payloads.Count / clock.Elapsed.TotalSeconds;

        clock.Restart();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT sequence_number, message, manifest FROM rows WHERE persistence_id = 'bare' ORDER BY sequence_number";
        using var reader = read.ExecuteReader();
        var count = 0;
        while (reader.Read())
        {
            parse(new SerializedPayload(payloads[0].SerializerId, reader.GetString(2), reader.GetFieldValue<byte[]>(1)));
            count++;
        }
        var recover = clock.Elapsed.TotalSeconds;
        if (count != payloads.Count) throw new InvalidOperationException($"bare SQLite read {count} of {payloads.Count} rows");
        return (persist, recover);
    }

    static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
