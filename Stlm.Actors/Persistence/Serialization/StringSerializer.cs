using System.Text;

namespace Stlm.Actors.Persistence.Serialization;

/// <summary>Strings as UTF-8 (empty manifest). Invalid UTF-8 is an error, not a silent '?'.</summary>
public sealed class StringSerializer : ISerializer
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int Id => SerializerIds.Utf8String;

    public bool CanSerialize(object payload) => payload is string;

    public SerializedPayload Serialize(object payload) =>
        payload is string text
            ? new SerializedPayload(Id, "", Strict.GetBytes(text))
            : throw new ArgumentException($"StringSerializer cannot serialize {payload.GetType().FullName}", nameof(payload));

    public object Deserialize(SerializedPayload payload) => Strict.GetString(payload.Bytes);
}
