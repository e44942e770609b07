using Stlm.Actors.Runtime;

namespace Stlm.Actors.Persistence;

/// <summary>
/// An event-sourced actor (Akka's UntypedPersistentActor). On start it recovers: a
/// <see cref="SnapshotOffer"/> if a snapshot exists, then every later event, then
/// <see cref="RecoveryCompleted"/> — all through <see cref="ReceiveRecover"/>, while commands
/// wait. Then commands go to <see cref="ReceiveCommand"/>, which calls Persist to write events
/// and change state in the handler once the write is durable.
/// <code>
/// protected override bool ReceiveCommand(object m) { if (m is Add a) Persist(new Added(a.N), e =&gt; _sum += e.N); return true; }
/// protected override bool ReceiveRecover(object m) { if (m is Added e) _sum += e.N; return true; }
/// </code>
/// </summary>
public abstract partial class PersistentActor : ActorBase, IWithStash
{
    enum Phase { Recovering, Processing, PersistingStashed, Stopped }

    static long s_instances;
    readonly long _instance = Interlocked.Increment(ref s_instances);
    readonly List<Envelope> _internalStash = [];
    readonly Guid _writerUuid = Guid.NewGuid();
    Phase _phase = Phase.Recovering;
    long _sequenceNr;

    /// <summary>Set by the runtime; commands the actor wants to handle later.</summary>
    public IStash Stash { get; set; } = null!;

    /// <summary>The key of this actor's events in the journal; must be stable across restarts.</summary>
    public abstract string PersistenceId { get; }

    /// <summary>Sequence number of the last event written or replayed (0 when none).</summary>
    public long LastSequenceNr { get; private set; }

    /// <summary>Sequence number of the snapshot recovery started from (0 when none).</summary>
    public long SnapshotSequenceNr { get; private set; }

    public bool IsRecovering => _phase == Phase.Recovering;
    public bool IsRecoveryFinished => _phase != Phase.Recovering;

    /// <summary>Handles the snapshot offer, replayed events and RecoveryCompleted.</summary>
    protected abstract bool ReceiveRecover(object message);

    /// <summary>Handles commands; call Persist/PersistAll to write events.</summary>
    protected abstract bool ReceiveCommand(object message);

    protected virtual Recovery Recovery => Recovery.Default;

    protected virtual IJournal Journal => PersistenceExtension.Get(Context.System).Journal;

    protected virtual ISnapshotStore SnapshotStore => PersistenceExtension.Get(Context.System).SnapshotStore;

    /// <summary>Recovery failed (snapshot load, replay or ReceiveRecover threw); the actor stops afterwards.</summary>
    protected virtual void OnRecoveryFailure(Exception reason, object? message) =>
        Context.Log.Error(reason, "recovery of {PersistenceId} failed at {Message}; stopping", PersistenceId, message?.GetType().Name ?? "load");

    /// <summary>The journal failed; the event may or may not be stored. The actor stops afterwards.</summary>
    protected virtual void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Context.Log.Error(cause, "writing event {SequenceNr} ({EventType}) of {PersistenceId} failed; stopping",
            sequenceNr, @event.GetType().Name, PersistenceId);

    /// <summary>The journal refused the event (e.g. unserializable); it was not stored and the actor goes on.</summary>
    protected virtual void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        Context.Log.Warning(cause, "event {SequenceNr} ({EventType}) of {PersistenceId} was rejected",
            sequenceNr, @event.GetType().Name, PersistenceId);

    protected sealed override bool Receive(object message) => ReceiveCommand(message);

    internal sealed override bool AroundReceive(object message)
    {
        if (message is PersistenceInternal internalMessage)
        {
            if (internalMessage.Instance == _instance)
                HandleInternal(internalMessage);
            return true;
        }
        switch (_phase)
        {
            case Phase.Processing:
                var handled = ReceiveCommand(message);
                FlushBatch();
                return handled;
            case Phase.Stopped:
                Context.System.DeadLetters.Tell(message, Cell.CurrentSender);
                return true;
            default:
                _internalStash.Add(Cell.CurrentEnvelope);
                return true;
        }
    }

    void HandleInternal(PersistenceInternal message)
    {
        if (_phase == Phase.Stopped)
            return;
        switch (message)
        {
            case SnapshotLoaded loaded: OnSnapshotLoaded(loaded.Snapshot); break;
            case EventReplayed replayed: OnEventReplayed(replayed.Event); break;
            case ReplaySucceeded succeeded: OnReplaySucceeded(succeeded.HighestSequenceNr); break;
            case ReplayFailed failed: FailRecovery(failed.Cause, null); break;
            case WriteCompleted completed: OnWriteCompleted(completed); break;
            case WriteFailed failed: OnWriteFailed(failed); break;
        }
    }

    void UnstashInternal()
    {
        if (_internalStash.Count == 0)
            return;
        Cell.Mailbox.Prepend([.. _internalStash]);
        _internalStash.Clear();
    }

    void StopAfterFailure()
    {
        _phase = Phase.Stopped;
        _recoveryCancel.Cancel();
        Context.Stop(Self);
    }

    internal sealed override void AroundPreStart()
    {
        PreStart();
        StartRecovery();
    }

    // A restarted instance recovers its state again, as a fresh one does.
    internal sealed override void AroundPostRestart(Exception reason)
    {
        PostRestart(reason);
        StartRecovery();
    }

    internal sealed override void AroundPreRestart(Exception reason, object? message)
    {
        _recoveryCancel.Cancel();
        UnstashInternal();
        PreRestart(reason, message);
    }

    internal sealed override void AroundPostStop()
    {
        _recoveryCancel.Cancel();
        foreach (var envelope in _internalStash)
            Context.System.DeadLetters.Tell(envelope.Message, envelope.Sender);
        _internalStash.Clear();
        PostStop();
    }
}
