using Stlm.Actors.Runtime;

namespace Stlm.Actors.Persistence;

// Snapshot and deletion requests run asynchronously; their outcome comes back as a command
// (SaveSnapshotSuccess/Failure, DeleteSnapshot(s)Success/Failure, DeleteMessagesSuccess/Failure).
public abstract partial class PersistentActor
{
    /// <summary>Saves the state as of <see cref="LastSequenceNr"/>.</summary>
    protected void SaveSnapshot(object snapshot)
    {
        var metadata = new SnapshotMetadata(PersistenceId, LastSequenceNr, DateTime.UtcNow);
        SnapshotStore.SaveAsync(metadata, snapshot)
            .PipeTo(Self, Self, () => new SaveSnapshotSuccess(metadata), e => new SaveSnapshotFailure(metadata, e));
    }

    protected void DeleteSnapshot(long sequenceNr)
    {
        var metadata = new SnapshotMetadata(PersistenceId, sequenceNr);
        SnapshotStore.DeleteAsync(metadata)
            .PipeTo(Self, Self, () => new DeleteSnapshotSuccess(metadata), e => new DeleteSnapshotFailure(metadata, e));
    }

    protected void DeleteSnapshots(SnapshotSelectionCriteria criteria)
    {
        SnapshotStore.DeleteAsync(PersistenceId, criteria)
            .PipeTo(Self, Self, () => new DeleteSnapshotsSuccess(criteria), e => new DeleteSnapshotsFailure(criteria, e));
    }

    /// <summary>
    /// Deletes events up to and including <paramref name="toSequenceNr"/> (long.MaxValue: all
    /// written so far). The highest sequence number is kept, so new events never reuse numbers.
    /// </summary>
    protected void DeleteMessages(long toSequenceNr)
    {
        if (toSequenceNr == long.MaxValue)
            toSequenceNr = LastSequenceNr;
        if (toSequenceNr > LastSequenceNr)
        {
            Self.Tell(new DeleteMessagesFailure(new InvalidOperationException(
                $"cannot delete {PersistenceId} up to {toSequenceNr}: the last sequence number is {LastSequenceNr}"), toSequenceNr), Self);
            return;
        }
        var to = toSequenceNr;
        Journal.DeleteMessagesToAsync(PersistenceId, to)
            .PipeTo(Self, Self, () => new DeleteMessagesSuccess(to), e => new DeleteMessagesFailure(e, to));
    }
}
