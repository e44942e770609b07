using Google.Protobuf;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Tests.Persistence.Protos;

namespace Stlm.Tests.Persistence;

/// <summary>The serializer and event builders the persistence tests share.</summary>
public static class TestPayloads
{
    public static PayloadSerializers Serializer { get; } =
        PayloadSerializers.WithDefaults(ProtobufSerializer.FromFiles(TestEventsReflection.Descriptor));

    public static TestEvent Event(long n, string? text = null) => new()
    {
        Text = text ?? $"event {n}",
        Number = n,
        Blob = ByteString.CopyFrom(BitConverter.GetBytes(n * 7919)),
        Labels = { "a", $"n{n}" },
    };

    public static Persistent Persistent(string persistenceId, long sequenceNr, object? payload = null,
        string writer = "writer-1", params string[] tags) =>
        new(payload ?? Event(sequenceNr), persistenceId, sequenceNr, writer, tags);

    public static AtomicWrite Write(params Persistent[] events) => new(events);

    /// <summary>A payload no serializer claims: the journal must reject its write alone.</summary>
    public sealed record NotSerializable(int Value);
}
