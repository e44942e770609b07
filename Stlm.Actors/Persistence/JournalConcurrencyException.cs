using Stlm.Model;

namespace Stlm.Actors.Persistence;

/// <summary>
/// A second writer tried to store an event at a (persistence id, sequence number) that is
/// already taken: two writers of one run cannot both win (DESIGN §5.6). The whole batch failed.
/// </summary>
public sealed class JournalConcurrencyException(string persistenceId, long sequenceNr, Exception? inner = null)
    : StlmException(
        $"journal event {persistenceId}#{sequenceNr} was already written by another writer: " +
        "two writers are persisting the same run; stop one of them (the journal kept the first write)",
        inner ?? new InvalidOperationException("unique (persistence_id, sequence_number) violated"))
{
    public string PersistenceId { get; } = persistenceId;
    public long SequenceNr { get; } = sequenceNr;
}
