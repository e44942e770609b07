namespace Stlm.Actors.Persistence;

// Recovery runs as one async flow off the actor thread that sends the actor, in order, the
// loaded snapshot, each replayed event and the end; the actor applies them on its own thread
// and stashes every command until RecoveryCompleted has been handled.
public abstract partial class PersistentActor
{
    readonly CancellationTokenSource _recoveryCancel = new();
    Task _writeChain = Task.CompletedTask;

    void StartRecovery()
    {
        _phase = Phase.Recovering;
        var self = Self;
        var instance = _instance;
        var id = PersistenceId;
        var recovery = Recovery;
        var journal = Journal;
        var snapshots = SnapshotStore;
        var ct = _recoveryCancel.Token;
        var predecessorWrites = Cell.PendingWrites;
        _writeChain = predecessorWrites;
        _ = Task.Run(async () =>
        {
            try
            {
                await predecessorWrites.ConfigureAwait(false);
                var snapshot = recovery.FromSnapshot == SnapshotSelectionCriteria.None
                    ? null
                    : await snapshots.LoadAsync(id, recovery.FromSnapshot, ct).ConfigureAwait(false);
                self.Tell(new SnapshotLoaded(instance, snapshot), null);
                var from = (snapshot?.Metadata.SequenceNr ?? 0) + 1;
                var highest = await journal.ReadHighestSequenceNrAsync(id, from - 1, ct).ConfigureAwait(false);
                var to = Math.Min(recovery.ToSequenceNr, highest);
                if (recovery.ReplayMax > 0 && from <= to)
                    await journal.ReplayMessagesAsync(id, from, to, recovery.ReplayMax,
                        e => self.Tell(new EventReplayed(instance, e), null), ct).ConfigureAwait(false);
                self.Tell(new ReplaySucceeded(instance, highest), null);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                self.Tell(new ReplayFailed(instance, e), null);
            }
        }, CancellationToken.None);
    }

    void OnSnapshotLoaded(SelectedSnapshot? snapshot)
    {
        if (snapshot is null)
            return;
        LastSequenceNr = _sequenceNr = SnapshotSequenceNr = snapshot.Metadata.SequenceNr;
        var offer = new SnapshotOffer(snapshot.Metadata, snapshot.Snapshot);
        try
        {
            ReceiveRecover(offer);
        }
        catch (Exception e)
        {
            FailRecovery(e, offer);
        }
    }

    void OnEventReplayed(Persistent replayed)
    {
        LastSequenceNr = _sequenceNr = replayed.SequenceNr;
        try
        {
            ReceiveRecover(replayed.Payload);
        }
        catch (Exception e)
        {
            FailRecovery(new InvalidOperationException(
                $"replaying event {replayed.SequenceNr} ({replayed.Payload.GetType().Name}) of {PersistenceId} failed: {e.Message}", e),
                replayed.Payload);
        }
    }

    void OnReplaySucceeded(long highestSequenceNr)
    {
        // Deleted events are not replayed, but their numbers stay taken.
        LastSequenceNr = _sequenceNr = Math.Max(LastSequenceNr, highestSequenceNr);
        _phase = Phase.Processing;
        try
        {
            ReceiveRecover(RecoveryCompleted.Instance);
        }
        catch (Exception e)
        {
            FailRecovery(e, RecoveryCompleted.Instance);
            return;
        }
        FlushBatch();
        if (_phase == Phase.Processing)
            UnstashInternal();
    }

    void FailRecovery(Exception cause, object? message)
    {
        try
        {
            OnRecoveryFailure(cause, message);
        }
        catch (Exception e)
        {
            Context.Log.Error(e, "OnRecoveryFailure of {PersistenceId} threw", PersistenceId);
        }
        StopAfterFailure();
    }
}
