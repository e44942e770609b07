namespace Stlm.Actors.Persistence.InMemory;

/// <summary>
/// A journal in memory, complete enough to be the reference semantics of <see cref="IJournal"/>:
/// atomic writes, a rejection for an event the serializer refuses while its batch-mates go on,
/// a concurrency error when a (persistence id, sequence number) is written twice, replay by
/// range and count, and deletion that keeps the highest sequence number. With a serializer,
/// events are stored as bytes and replayed as fresh objects, as a durable journal would.
/// </summary>
public sealed class InMemoryJournal(IPayloadSerializer? serializer = null) : IJournal
{
    sealed class Stream
    {
        public readonly SortedDictionary<long, (Persistent Event, SerializedPayload? Bytes)> Events = [];
        public long Highest;
        public long DeletedTo;
    }

    readonly Dictionary<string, Stream> _streams = [];
    readonly Lock _lock = new();

    public Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var results = new Exception?[writes.Count];
        var prepared = new List<(Persistent Event, SerializedPayload? Bytes)>?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                prepared[i] = [.. writes[i].Events.Select(e => (e, serializer?.Serialize(e.Payload)))];
            }
            catch (Exception e)
            {
                results[i] = e;
            }
        }
        var now = DateTime.UtcNow;
        lock (_lock)
        {
            var seen = new HashSet<(string, long)>();
            foreach (var (e, _) in prepared.Where(p => p is not null).SelectMany(p => p!))
            {
                var taken = _streams.TryGetValue(e.PersistenceId, out var stream)
                            && (stream.Events.ContainsKey(e.SequenceNr) || e.SequenceNr <= stream.DeletedTo);
                if (taken || !seen.Add((e.PersistenceId, e.SequenceNr)))
                    throw new JournalConcurrencyException(e.PersistenceId, e.SequenceNr);
                if (e.SequenceNr < 1)
                    throw new ArgumentOutOfRangeException(nameof(writes), $"sequence numbers start at 1, got {e.SequenceNr} for '{e.PersistenceId}'");
            }
            foreach (var (e, bytes) in prepared.Where(p => p is not null).SelectMany(p => p!))
            {
                if (!_streams.TryGetValue(e.PersistenceId, out var stream))
                    _streams[e.PersistenceId] = stream = new Stream();
                var stored = e.Timestamp == default ? e with { Timestamp = now } : e;
                stream.Events[e.SequenceNr] = (bytes is null ? stored : stored with { Payload = bytes }, bytes);
                stream.Highest = Math.Max(stream.Highest, e.SequenceNr);
            }
        }
        return Task.FromResult<IReadOnlyList<Exception?>>(results);
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<Persistent> recoveryCallback, CancellationToken ct = default)
    {
        List<(Persistent Event, SerializedPayload? Bytes)> selected;
        lock (_lock)
        {
            if (max <= 0 || fromSequenceNr > toSequenceNr || !_streams.TryGetValue(persistenceId, out var stream))
                return Task.CompletedTask;
            selected = [.. stream.Events
                .Where(kv => kv.Key >= fromSequenceNr && kv.Key <= toSequenceNr)
                .Take((int)Math.Min(max, int.MaxValue))
                .Select(kv => kv.Value)];
        }
        foreach (var (e, bytes) in selected)
        {
            ct.ThrowIfCancellationRequested();
            recoveryCallback(bytes is null ? e : e with { Payload = Deserialize(e, bytes) });
        }
        return Task.CompletedTask;
    }

    object Deserialize(Persistent e, SerializedPayload bytes)
    {
        try
        {
            return serializer!.Deserialize(bytes);
        }
        catch (Exception x)
        {
            throw new InvalidOperationException(
                $"cannot read event {e.SequenceNr} of '{e.PersistenceId}' (manifest '{bytes.Manifest}'): {x.Message}", x);
        }
    }

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default)
    {
        lock (_lock)
            return Task.FromResult(_streams.TryGetValue(persistenceId, out var stream) ? stream.Highest : 0L);
    }

    public Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(persistenceId, out var stream))
                return Task.CompletedTask;
            foreach (var sequenceNr in stream.Events.Keys.TakeWhile(s => s <= toSequenceNr).ToList())
                stream.Events.Remove(sequenceNr);
            stream.DeletedTo = Math.Max(stream.DeletedTo, Math.Min(toSequenceNr, stream.Highest));
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
