using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;

namespace Stlm.Host.Journal;

/// <summary>
/// Prints stored events readably without needing every type: protobuf messages whose manifest
/// is known go through Google.Protobuf's JsonFormatter, strings print as text, anything else
/// (unknown manifests, raw bytes, rows that no longer parse) as base64 beside its manifest.
/// </summary>
public sealed class JournalDumpWriter(ProtobufSerializer known)
{
    readonly JsonFormatter _formatter = new(JsonFormatter.Settings.Default.WithTypeRegistry(known.TypeRegistry).WithFormatDefaultValues(false));
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The payload as (kind, value): "event" with JSON text, "text" with a string, or "base64".</summary>
    public (string Kind, string Value, string? Error) Render(SerializedPayload payload)
    {
        try
        {
            if (payload.SerializerId == SerializerIds.Protobuf && known.TryGetDescriptor(payload.Manifest, out var descriptor))
                return ("event", _formatter.Format(descriptor.Parser.ParseFrom(payload.Bytes)), null);
            if (payload.SerializerId == SerializerIds.Utf8String)
                return ("text", StrictUtf8.GetString(payload.Bytes), null);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or DecoderFallbackException)
        {
            return ("base64", Convert.ToBase64String(payload.Bytes), $"corrupt: {e.Message}");
        }
        return ("base64", Convert.ToBase64String(payload.Bytes), null);
    }

    public void WriteJson(Utf8JsonWriter json, StoredEvent e)
    {
        json.WriteStartObject();
        json.WriteNumber("ordering", e.Ordering);
        json.WriteString("persistenceId", e.PersistenceId);
        json.WriteNumber("sequenceNr", e.SequenceNr);
        json.WriteString("timestamp", e.Created.ToString("O"));
        json.WriteString("writerUuid", e.WriterUuid);
        json.WriteBoolean("deleted", e.Deleted);
        json.WriteStartArray("tags");
        foreach (var tag in e.Tags) json.WriteStringValue(tag);
        json.WriteEndArray();
        json.WriteNumber("serializerId", e.Payload.SerializerId);
        json.WriteString("manifest", e.Payload.Manifest);
        var (kind, value, error) = Render(e.Payload);
        json.WritePropertyName(kind);
        if (kind == "event") json.WriteRawValue(value);
        else json.WriteStringValue(value);
        if (error is not null) json.WriteString("error", error);
        json.WriteEndObject();
    }

    /// <summary>One line per event: where it is, what it is, then its content.</summary>
    public string Line(StoredEvent e)
    {
        var (kind, value, error) = Render(e.Payload);
        var what = e.Payload.Manifest.Length > 0 ? e.Payload.Manifest : SerializerName(e.Payload.SerializerId);
        var line = new StringBuilder($"{e.PersistenceId}#{e.SequenceNr}  {e.Created:yyyy-MM-dd HH:mm:ss.fff}  {what}");
        if (e.Deleted) line.Append("  [deleted]");
        if (e.Tags.Count > 0) line.Append("  tags=").Append(string.Join(',', e.Tags));
        line.Append("  ").Append(kind switch
        {
            "event" => value,
            "text" => JsonSerializer.Serialize(value),
            _ => "base64:" + value,
        });
        if (error is not null) line.Append("  (").Append(error).Append(')');
        return line.ToString();
    }

    static string SerializerName(int id) => id switch
    {
        SerializerIds.Bytes => "bytes",
        SerializerIds.Utf8String => "string",
        SerializerIds.Protobuf => "protobuf",
        _ => $"serializer {id}",
    };
}
