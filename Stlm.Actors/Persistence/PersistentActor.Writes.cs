using Stlm.Actors.Runtime;

namespace Stlm.Actors.Persistence;

// Persist collects events while a command is handled; when the handler returns they go to the
// journal as one call (one AtomicWrite per Persist/PersistAll). Writes are chained so their
// results come back in order; handlers then run in order, with the command's sender as Sender.
public abstract partial class PersistentActor
{
    readonly record struct Pending(object Event, long SequenceNr, Action<object> Handler, Envelope Origin);

    sealed record InFlight(long WriteId, List<List<Pending>> Groups, bool StashesCommands);

    List<AtomicWrite> _batchWrites = [];
    List<List<Pending>> _batchPendings = [];
    bool _batchStashes;
    readonly Queue<InFlight> _inFlight = new();
    int _stashingWritesInFlight;
    long _writeIds;

    /// <summary>
    /// Writes the event; once it is stored, runs the handler (with the command's Sender).
    /// Commands that arrive meanwhile wait in a stash, so the handler sees the state the
    /// command saw.
    /// </summary>
    protected void Persist<TEvent>(TEvent @event, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([@event], handler, stashCommands: true);

    /// <summary>Writes the events atomically (all or none), then runs the handler for each, in order.</summary>
    protected void PersistAll<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([.. events], handler, stashCommands: true);

    /// <summary>Like Persist, but commands keep flowing while the write is in flight.</summary>
    protected void PersistAsync<TEvent>(TEvent @event, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([@event], handler, stashCommands: false);

    protected void PersistAllAsync<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler) where TEvent : notnull =>
        AddWrite([.. events], handler, stashCommands: false);

    void AddWrite<TEvent>(IReadOnlyList<TEvent> events, Action<TEvent> handler, bool stashCommands) where TEvent : notnull
    {
        if (_phase == Phase.Recovering)
            throw new InvalidOperationException($"{PersistenceId}: Persist cannot be called during recovery (ReceiveRecover)");
        if (_phase == Phase.Stopped || events.Count == 0)
            return;
        var origin = Cell.CurrentEnvelope;
        var writer = _writerUuid.ToString();
        var persistents = new List<Persistent>(events.Count);
        var pendings = new List<Pending>(events.Count);
        foreach (var @event in events)
        {
            var sequenceNr = ++_sequenceNr;
            var (payload, tags) = @event is Tagged tagged ? (tagged.Payload, tagged.Tags) : (@event, (IReadOnlyCollection<string>)[]);
            persistents.Add(new Persistent(payload, PersistenceId, sequenceNr, writer, tags));
            pendings.Add(new Pending(@event, sequenceNr, e => handler((TEvent)e), origin));
        }
        _batchWrites.Add(new AtomicWrite(persistents));
        _batchPendings.Add(pendings);
        _batchStashes |= stashCommands;
    }

    void FlushBatch()
    {
        if (_batchWrites.Count == 0)
            return;
        var writes = _batchWrites;
        var flight = new InFlight(++_writeIds, _batchPendings, _batchStashes);
        _batchWrites = [];
        _batchPendings = [];
        _batchStashes = false;
        _inFlight.Enqueue(flight);
        if (flight.StashesCommands)
        {
            _stashingWritesInFlight++;
            _phase = Phase.PersistingStashed;
        }
        _writeChain = Write(_writeChain, Journal, writes, Self, _instance, flight.WriteId);
        Cell.PendingWrites = _writeChain;
    }

    static async Task Write(Task previous, IJournal journal, IReadOnlyList<AtomicWrite> writes, IActorRef self, long instance, long writeId)
    {
        await previous.ConfigureAwait(false);
        try
        {
            var results = await journal.WriteMessagesAsync(writes).ConfigureAwait(false);
            if (results.Count != writes.Count)
                throw new InvalidOperationException($"journal returned {results.Count} results for {writes.Count} writes");
            self.Tell(new WriteCompleted(instance, writeId, results), null);
        }
        catch (Exception e)
        {
            self.Tell(new WriteFailed(instance, writeId, e), null);
        }
    }

    InFlight CompleteFlight(long writeId)
    {
        var flight = _inFlight.Dequeue();
        if (flight.WriteId != writeId)
            throw new InvalidOperationException($"{PersistenceId}: write results out of order ({writeId}, expected {flight.WriteId})");
        if (flight.StashesCommands)
            _stashingWritesInFlight--;
        return flight;
    }

    void OnWriteCompleted(WriteCompleted completed)
    {
        var flight = CompleteFlight(completed.WriteId);
        for (var i = 0; i < flight.Groups.Count; i++)
        {
            var rejection = completed.Results[i];
            foreach (var pending in flight.Groups[i])
            {
                LastSequenceNr = pending.SequenceNr;
                if (rejection is null)
                    Cell.WithCurrent(pending.Origin, () => pending.Handler(pending.Event));
                else
                    OnPersistRejected(rejection, pending.Event, pending.SequenceNr);
            }
        }
        FlushBatch();
        if (_stashingWritesInFlight == 0 && _phase == Phase.PersistingStashed)
        {
            _phase = Phase.Processing;
            UnstashInternal();
        }
    }

    void OnWriteFailed(WriteFailed failed)
    {
        var flight = CompleteFlight(failed.WriteId);
        foreach (var pending in flight.Groups.SelectMany(g => g))
        {
            LastSequenceNr = pending.SequenceNr;
            try
            {
                OnPersistFailure(failed.Cause, pending.Event, pending.SequenceNr);
            }
            catch (Exception e)
            {
                Context.Log.Error(e, "OnPersistFailure of {PersistenceId} threw", PersistenceId);
            }
        }
        StopAfterFailure();
    }
}
