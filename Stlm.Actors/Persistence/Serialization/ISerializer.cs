namespace Stlm.Actors.Persistence.Serialization;

/// <summary>
/// One serializer among several (Akka's Serializer): a stable id that is stored beside every
/// payload, and the payload types it claims. <see cref="PayloadSerializers"/> routes between them.
/// </summary>
public interface ISerializer : IPayloadSerializer
{
    /// <summary>Stored in the journal's serializer_id column; never change it once written.</summary>
    int Id { get; }

    bool CanSerialize(object payload);
}
