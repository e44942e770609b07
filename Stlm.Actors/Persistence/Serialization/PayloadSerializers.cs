using System.Collections.Frozen;

namespace Stlm.Actors.Persistence.Serialization;

/// <summary>
/// The journal's serializer: routes a payload to the first serializer that claims it, and
/// stored bytes back by their serializer id.
/// </summary>
public sealed class PayloadSerializers : IPayloadSerializer
{
    readonly ISerializer[] _inOrder;
    readonly FrozenDictionary<int, ISerializer> _byId;

    public PayloadSerializers(params ISerializer[] serializers)
    {
        var duplicate = serializers.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"two serializers share the id {duplicate.Key}", nameof(serializers));
        _inOrder = serializers;
        _byId = serializers.ToFrozenDictionary(s => s.Id);
    }

    /// <summary>Protobuf messages of the given serializer, plus raw bytes and strings.</summary>
    public static PayloadSerializers WithDefaults(ProtobufSerializer protobuf) =>
        new(protobuf, new BytesSerializer(), new StringSerializer());

    public IReadOnlyCollection<ISerializer> Serializers => _inOrder;

    public SerializedPayload Serialize(object payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        foreach (var serializer in _inOrder)
            if (serializer.CanSerialize(payload))
                return serializer.Serialize(payload);
        throw new ArgumentException(
            $"no serializer for {payload.GetType().FullName}: journal payloads must be protobuf messages " +
            "(or byte[] / string)", nameof(payload));
    }

    public object Deserialize(SerializedPayload payload) =>
        _byId.TryGetValue(payload.SerializerId, out var serializer)
            ? serializer.Deserialize(payload)
            : throw new InvalidOperationException($"unknown serializer id {payload.SerializerId}");

    public T? Find<T>() where T : class, ISerializer => _inOrder.OfType<T>().FirstOrDefault();
}
