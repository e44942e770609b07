using System.Text;
using System.Text.Json;
using Akka.Persistence.Query;
using Stlm.Actors.Persistence;
using Stlm.Actors.Serialization;

namespace Stlm.Host.Journal;

/// <summary>
/// Prints journaled events readably: each run event as the JSON of its stored MessagePack map
/// (keys are the stored field names), a row this build cannot deserialize as
/// <c>{"undecodable": why, "serializerId": …, "bytes": …}</c> under its stored manifest,
/// anything else by its type name.
/// </summary>
public static class JournalDumpWriter
{
    public static string Manifest(object e) => e switch
    {
        UndecodableEvent u => u.Manifest,
        _ when RunEventSerializer.Handles(e) => RunEventSerializer.ManifestFor(e),
        _ => e.GetType().FullName ?? "?",
    };

    static string Json(object e) => e switch
    {
        UndecodableEvent u => JsonSerializer.Serialize(new { undecodable = u.Reason, serializerId = u.SerializerId, bytes = u.Bytes }),
        _ when RunEventSerializer.Handles(e) => e.ToString()!,
        _ => JsonSerializer.Serialize(e.ToString()),
    };

    public static void WriteJson(Utf8JsonWriter json, EventEnvelope e)
    {
        json.WriteStartObject();
        json.WriteNumber("ordering", e.Offset is Sequence s ? s.Value : 0);
        json.WriteString("persistenceId", e.PersistenceId);
        json.WriteNumber("sequenceNr", e.SequenceNr);
        json.WriteString("timestamp", new DateTime(e.Timestamp, DateTimeKind.Utc).ToString("O"));
        json.WriteStartArray("tags");
        foreach (var tag in e.Tags) json.WriteStringValue(tag);
        json.WriteEndArray();
        json.WriteString("manifest", Manifest(e.Event));
        json.WritePropertyName("event");
        json.WriteRawValue(Json(e.Event));
        json.WriteEndObject();
    }

    /// <summary>One line per event: where it is, what it is, then its content.</summary>
    public static string Line(EventEnvelope e)
    {
        var line = new StringBuilder($"{e.PersistenceId}#{e.SequenceNr}  {new DateTime(e.Timestamp, DateTimeKind.Utc):yyyy-MM-dd HH:mm:ss.fff}  {Manifest(e.Event)}");
        if (e.Tags.Length > 0) line.Append("  tags=").Append(string.Join(',', e.Tags));
        line.Append("  ").Append(Json(e.Event));
        return line.ToString();
    }
}
