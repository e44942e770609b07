using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Tests.Persistence.Protos;

namespace Stlm.Tests.Persistence;

public class SerializationTests
{
    readonly ProtobufSerializer _protobuf = ProtobufSerializer.FromFiles(TestEventsReflection.Descriptor);

    [Fact]
    public void Protobuf_manifest_is_the_full_proto_name_and_bytes_round_trip()
    {
        var sent = TestPayloads.Event(42);
        var stored = _protobuf.Serialize(sent);
        Assert.Equal(SerializerIds.Protobuf, stored.SerializerId);
        Assert.Equal("stlm.test.TestEvent", stored.Manifest);
        Assert.Equal(sent.ToByteArray(), stored.Bytes);
        Assert.Equal(sent, _protobuf.Deserialize(stored));
    }

    [Fact]
    public void Registry_from_assemblies_finds_the_generated_messages()
    {
        var found = ProtobufSerializer.FromAssemblies(typeof(TestEvent).Assembly);
        Assert.Contains("stlm.test.TestEvent", found.Manifests);
        Assert.Contains("stlm.test.TestSnapshot", found.Manifests);
    }

    [Fact]
    public void An_unregistered_message_is_refused_when_written_not_when_read()
    {
        var error = Assert.Throws<ArgumentException>(() => _protobuf.Serialize(new Duration { Seconds = 1 }));
        Assert.Contains("google.protobuf.Duration is not registered", error.Message);
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_that_names_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            _protobuf.Deserialize(new SerializedPayload(SerializerIds.Protobuf, "stlm.test.Gone", [])));
        Assert.Contains("stlm.test.Gone", error.Message);
    }

    [Fact]
    public void Garbage_bytes_do_not_parse_silently()
    {
        Assert.ThrowsAny<InvalidProtocolBufferException>(() =>
            _protobuf.Deserialize(new SerializedPayload(SerializerIds.Protobuf, "stlm.test.TestEvent", [0x0A, 0x7F, 1])));
    }

    [Fact]
    public void Payload_serializers_route_by_type_and_back_by_id()
    {
        var all = PayloadSerializers.WithDefaults(_protobuf);
        Assert.Equal(SerializerIds.Protobuf, all.Serialize(TestPayloads.Event(1)).SerializerId);
        Assert.Equal(SerializerIds.Utf8String, all.Serialize("hi").SerializerId);
        Assert.Equal(SerializerIds.Bytes, all.Serialize(new byte[] { 1 }).SerializerId);
        Assert.Equal("héllo", all.Deserialize(all.Serialize("héllo")));
        Assert.Equal(new byte[] { 9, 8 }, all.Deserialize(all.Serialize(new byte[] { 9, 8 })));
    }

    [Fact]
    public void A_payload_no_serializer_claims_is_refused_with_its_type()
    {
        var error = Assert.Throws<ArgumentException>(() => TestPayloads.Serializer.Serialize(new TestPayloads.NotSerializable(1)));
        Assert.Contains(nameof(TestPayloads.NotSerializable), error.Message);
    }

    [Fact]
    public void An_unknown_serializer_id_is_an_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestPayloads.Serializer.Deserialize(new SerializedPayload(99, "", [])));
        Assert.Contains("99", error.Message);
    }

    [Fact]
    public void Serializer_ids_must_be_unique()
    {
        Assert.Throws<ArgumentException>(() => new PayloadSerializers(new StringSerializer(), new StringSerializer()));
    }

    [Fact]
    public void Invalid_utf8_is_an_error_not_replacement_characters()
    {
        Assert.ThrowsAny<DecoderFallbackException>(() =>
            new StringSerializer().Deserialize(new SerializedPayload(SerializerIds.Utf8String, "", [0xC3, 0x28])));
    }
}
