using Stlm.Model;

namespace Stlm.Actors.Persistence;

/// <summary>
/// A stored event or snapshot whose bytes no longer turn into an object: the message names
/// which one (persistence id and sequence number) and its manifest, so it can be found and fixed.
/// </summary>
public sealed class CorruptPayloadException(string what, string persistenceId, long sequenceNr, string manifest, Exception inner)
    : StlmException(
        $"journal {what} {persistenceId}#{sequenceNr} (manifest {manifest}) is corrupt: {inner.Message} " +
        "(inspect it with 'stlm journal dump --run " + persistenceId + "')",
        inner)
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
    public string Manifest { get; } = manifest;
}
