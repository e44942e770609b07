using System.Collections.Frozen;
using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Stlm.Actors.Persistence.Serialization;

/// <summary>
/// Google.Protobuf messages. The manifest is the message's full proto name (e.g.
/// "stlm.training.StepCompleted"), so C# renames never break a journal; the registry of
/// known messages is built from their descriptors. See Stlm.Actors/Protos/README.md for the
/// rules that keep old journals readable.
/// </summary>
public sealed class ProtobufSerializer : ISerializer
{
    readonly FrozenDictionary<string, MessageDescriptor> _byName;

    public ProtobufSerializer(IEnumerable<MessageDescriptor> messages)
    {
        var all = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        foreach (var message in messages)
            AddWithNested(all, message);
        _byName = all.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every message (nested ones included) declared in the given .proto files.</summary>
    public static ProtobufSerializer FromFiles(params FileDescriptor[] files) =>
        new(files.SelectMany(f => f.MessageTypes));

    /// <summary>Every generated message class in the given assemblies (found by reflection once).</summary>
    public static ProtobufSerializer FromAssemblies(params Assembly[] assemblies) =>
        new(assemblies.SelectMany(GeneratedMessages));

    public int Id => SerializerIds.Protobuf;

    public IReadOnlyCollection<string> Manifests => _byName.Keys;

    public bool CanSerialize(object payload) => payload is IMessage;

    public bool TryGetDescriptor(string manifest, out MessageDescriptor descriptor) =>
        _byName.TryGetValue(manifest, out descriptor!);

    /// <summary>For Google.Protobuf's JsonFormatter, so Any fields print as their messages.</summary>
    public TypeRegistry TypeRegistry => TypeRegistry.FromMessages(_byName.Values);

    public SerializedPayload Serialize(object payload)
    {
        if (payload is not IMessage message)
            throw new ArgumentException($"{payload.GetType().FullName} is not a protobuf message", nameof(payload));
        var name = message.Descriptor.FullName;
        if (!_byName.ContainsKey(name))
            throw new ArgumentException(
                $"protobuf message {name} is not registered with the journal's serializer; add its descriptor " +
                "(ProtobufSerializer.FromAssemblies / FromFiles) so it can be read back", nameof(payload));
        return new SerializedPayload(Id, name, message.ToByteArray());
    }

    public object Deserialize(SerializedPayload payload)
    {
        if (!_byName.TryGetValue(payload.Manifest, out var descriptor))
            throw new InvalidOperationException(
                $"no protobuf message named {payload.Manifest} is registered (was it renamed or removed? see Stlm.Actors/Protos/README.md)");
        return descriptor.Parser.ParseFrom(payload.Bytes);
    }

    static void AddWithNested(Dictionary<string, MessageDescriptor> all, MessageDescriptor message)
    {
        // Map entries are synthetic messages without a generated class (no parser): skip them.
        if (message.ClrType is null || message.Parser is null) return;
        all[message.FullName] = message;
        foreach (var nested in message.NestedTypes)
            AddWithNested(all, nested);
    }

    static IEnumerable<MessageDescriptor> GeneratedMessages(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
        {
            if (!typeof(IMessage).IsAssignableFrom(type) || type.IsAbstract || type.IsGenericTypeDefinition) continue;
            var property = type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static);
            if (property?.GetValue(null) is MessageDescriptor descriptor)
                yield return descriptor;
        }
    }
}
