namespace Stlm.Actors.Persistence.Query;

/// <summary>
/// An event as a query delivers it (Akka's EventEnvelope). Offset is the journal's global
/// ordering: hand the last one seen back to a query to resume after it.
/// </summary>
public sealed record EventEnvelope(
    long Offset,
    string PersistenceId,
    long SequenceNr,
    object Event,
    DateTime Timestamp,
    IReadOnlyList<string> Tags);
