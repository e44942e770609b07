using System.Collections;
using System.Data.Common;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;

namespace Stlm.Actors.Migration;

/// <summary>
/// Journals written before the move to Akka: Stlm's own tables (event_journal, tags,
/// journal_metadata, snapshot) holding Protobuf run events (serializer id 10, manifest
/// "stlm.run.X"). Read only, to convert them (<see cref="JournalMigration"/>).
/// </summary>
public static class LegacyJournal
{
    public const string EventTable = "event_journal";
    public static readonly string[] Tables = ["event_journal", "tags", "journal_metadata", "snapshot"];
    const int ProtobufSerializerId = 10;

    public static Task<bool> IsLegacyAsync(SqlDialect dialect, CancellationToken ct = default) => dialect.HasTableAsync(EventTable, ct);

    /// <summary>The one line every command prints on such a journal.</summary>
    public static string Refusal(JournalLocation location) =>
        $"the journal {location} was written by an older Stlm (Protobuf events in its own tables); convert it once with " +
        $"`stlm journal migrate --journal {(location.Engine == "sqlite" ? "sqlite:" + location.Target : "postgres:…")}` (it keeps a backup)";

    public sealed record Row(string PersistenceId, long SequenceNr, object Payload, long Created);

    /// <summary>Every stored event, in journal order, as the current run event types.</summary>
    public static async Task<List<Row>> ReadEventsAsync(SqlDialect dialect, CancellationToken ct) =>
        await ReadAsync(dialect, "SELECT persistence_id, sequence_number, message, serializer_id, manifest, created FROM event_journal ORDER BY ordering", ct);

    /// <summary>Every stored snapshot.</summary>
    public static async Task<List<Row>> ReadSnapshotsAsync(SqlDialect dialect, CancellationToken ct) =>
        await ReadAsync(dialect, "SELECT persistence_id, sequence_number, snapshot, serializer_id, manifest, created FROM snapshot ORDER BY persistence_id, sequence_number", ct);

    static async Task<List<Row>> ReadAsync(SqlDialect dialect, string sql, CancellationToken ct)
    {
        var rows = new List<Row>();
        await using var connection = await dialect.OpenAsync(ct);
        await using var command = Db.Command(connection, sql);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (pid, seq, bytes, serializer, manifest) = (reader.GetString(0), reader.GetInt64(1), (byte[])reader.GetValue(2), reader.GetInt32(3), reader.GetString(4));
            rows.Add(new Row(pid, seq, Convert(pid, seq, bytes, serializer, manifest), reader.GetInt64(5)));
        }
        return rows;
    }

    static readonly Dictionary<string, MessageDescriptor> Descriptors =
        V1.RunEventsV1Reflection.Descriptor.MessageTypes.ToDictionary(m => m.FullName, StringComparer.Ordinal);

    static object Convert(string pid, long seq, byte[] bytes, int serializer, string manifest)
    {
        if (serializer != ProtobufSerializerId || !Descriptors.TryGetValue(manifest, out var descriptor))
            throw new Model.StlmException($"journal event {pid}#{seq} (serializer {serializer}, manifest {manifest}) is not a run event this migration knows");
        IMessage old;
        try
        {
            old = descriptor.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new Model.StlmException($"journal event {pid}#{seq} (manifest {manifest}) is corrupt: {e.Message}");
        }
        return Copy(old, typeof(RunState).Assembly.GetType("Stlm.Actors.Training.Run." + old.GetType().Name, throwOnError: true)!);
    }

    /// <summary>
    /// The same message as the current type of the same name: fields are copied by name (the
    /// MessagePack classes keep the proto's field names), nested messages and lists converted;
    /// a field added since keeps its default, which by the evolution rules means "as before".
    /// </summary>
    static object Copy(IMessage old, Type target)
    {
        var copy = Activator.CreateInstance(target)!;
        foreach (var property in target.GetProperties().Where(p => p.CanWrite))
        {
            if (old.GetType().GetProperty(property.Name) is not { } source) continue;
            property.SetValue(copy, Value(source.GetValue(old), property.PropertyType));
        }
        return copy;
    }

    static object? Value(object? value, Type target) => value switch
    {
        null => null,
        IMessage message => Copy(message, Nullable.GetUnderlyingType(target) ?? target),
        Enum e => Enum.ToObject(target, System.Convert.ToInt32(e)),
        string or long or double or bool or int => value,
        IEnumerable items when target.IsGenericType && target.GetGenericTypeDefinition() == typeof(List<>) => ToList(items, target),
        _ => throw new InvalidOperationException($"cannot convert {value.GetType().Name} to {target.Name}"),
    };

    static object ToList(IEnumerable items, Type listType)
    {
        var element = listType.GetGenericArguments()[0];
        var list = (IList)Activator.CreateInstance(listType)!;
        foreach (var item in items) list.Add(Value(item, element));
        return list;
    }
}
