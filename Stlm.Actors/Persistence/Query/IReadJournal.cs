namespace Stlm.Actors.Persistence.Query;

/// <summary>
/// Queries over the journal for projections and tools (Akka.Persistence.Query's read journal).
/// "Current" queries end once they have delivered what is stored now; the others are live
/// tails that keep polling for new events until their token is cancelled. Offsets are
/// exclusive: a query from offset N delivers events with ordering greater than N.
/// </summary>
public interface IReadJournal
{
    /// <summary>Ids that have events, in order of their first event.</summary>
    IAsyncEnumerable<string> CurrentPersistenceIds(CancellationToken ct = default);

    IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, CancellationToken ct = default);

    /// <summary>Live: ends once toSequenceNr has been delivered, else runs until cancelled.</summary>
    IAsyncEnumerable<EventEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, CancellationToken ct = default);

    IAsyncEnumerable<EventEnvelope> CurrentEventsByTag(string tag, long offset = 0, CancellationToken ct = default);

    IAsyncEnumerable<EventEnvelope> EventsByTag(string tag, long offset = 0, CancellationToken ct = default);

    IAsyncEnumerable<EventEnvelope> CurrentAllEvents(long offset = 0, CancellationToken ct = default);

    IAsyncEnumerable<EventEnvelope> AllEvents(long offset = 0, CancellationToken ct = default);
}
