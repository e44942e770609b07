namespace Stlm.Actors.Persistence.Serialization;

/// <summary>
/// The serializer ids written into journals. They are part of the on-disk format: add new
/// ones, never renumber or reuse one.
/// </summary>
public static class SerializerIds
{
    public const int Protobuf = 10;
    public const int Bytes = 11;
    public const int Utf8String = 12;
}
