namespace Stlm.Actors.Persistence.Serialization;

/// <summary>
/// The serializer Stlm's journals use: every protobuf message generated from Stlm.Actors/Protos
/// (found once by reflection), plus raw bytes and strings.
/// </summary>
public static class StlmSerializers
{
    static readonly Lazy<PayloadSerializers> Lazy = new(() =>
        PayloadSerializers.WithDefaults(ProtobufSerializer.FromAssemblies(typeof(StlmSerializers).Assembly)));

    public static PayloadSerializers Default => Lazy.Value;
}
