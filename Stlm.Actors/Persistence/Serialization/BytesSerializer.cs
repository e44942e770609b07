namespace Stlm.Actors.Persistence.Serialization;

/// <summary>Raw byte arrays, stored as they are (empty manifest).</summary>
public sealed class BytesSerializer : ISerializer
{
    public int Id => SerializerIds.Bytes;

    public bool CanSerialize(object payload) => payload is byte[];

    public SerializedPayload Serialize(object payload) =>
        payload is byte[] bytes
            ? new SerializedPayload(Id, "", bytes)
            : throw new ArgumentException($"BytesSerializer cannot serialize {payload.GetType().FullName}", nameof(payload));

    public object Deserialize(SerializedPayload payload) => payload.Bytes;
}
