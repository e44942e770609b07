namespace Stlm.Actors.Persistence.Sql;

/// <summary>One row of event_journal as stored (payload still bytes), with its tags.</summary>
public sealed record StoredEvent(
    long Ordering,
    string PersistenceId,
    long SequenceNr,
    DateTime Created,
    SerializedPayload Payload,
    string WriterUuid,
    bool Deleted,
    IReadOnlyList<string> Tags);
