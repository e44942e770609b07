using System.Runtime.CompilerServices;
using Stlm.Actors.Persistence.Query;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// Queries over a SQL journal. Reads go page by page; live queries poll every PollInterval
/// once caught up. Live queries by ordering (all events, by tag) only go as far as the
/// <see cref="OrderingWatermark"/>, so an event committed late into a gap is never skipped.
/// </summary>
public sealed class SqlReadJournal(SqlDialect dialect, IPayloadSerializer serializer, SqlJournalOptions? options = null) : IReadJournal
{
    readonly SqlEventReader _reader = new(dialect);
    readonly SqlJournalOptions _options = options ?? SqlJournalOptions.Default;

    public IAsyncEnumerable<string> CurrentPersistenceIds(CancellationToken ct = default) => _reader.PersistenceIdsAsync(ct);

    public IAsyncEnumerable<EventEnvelope> CurrentEventsByPersistenceId(string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, CancellationToken ct = default) =>
        ByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, live: false, ct);

    public IAsyncEnumerable<EventEnvelope> EventsByPersistenceId(string persistenceId, long fromSequenceNr = 0,
        long toSequenceNr = long.MaxValue, CancellationToken ct = default) =>
        ByPersistenceId(persistenceId, fromSequenceNr, toSequenceNr, live: true, ct);

    public IAsyncEnumerable<EventEnvelope> CurrentEventsByTag(string tag, long offset = 0, CancellationToken ct = default) =>
        ByOrdering((after, upTo, ct2) => _reader.ByTagAsync(tag, after, upTo, _options.PageSize, ct2), offset, live: false, ct);

    public IAsyncEnumerable<EventEnvelope> EventsByTag(string tag, long offset = 0, CancellationToken ct = default) =>
        ByOrdering((after, upTo, ct2) => _reader.ByTagAsync(tag, after, upTo, _options.PageSize, ct2), offset, live: true, ct);

    public IAsyncEnumerable<EventEnvelope> CurrentAllEvents(long offset = 0, CancellationToken ct = default) =>
        ByOrdering((after, upTo, ct2) => _reader.ByOrderingAsync(after, upTo, _options.PageSize, withDeleted: false, ct2), offset, live: false, ct);

    public IAsyncEnumerable<EventEnvelope> AllEvents(long offset = 0, CancellationToken ct = default) =>
        ByOrdering((after, upTo, ct2) => _reader.ByOrderingAsync(after, upTo, _options.PageSize, withDeleted: false, ct2), offset, live: true, ct);

    async IAsyncEnumerable<EventEnvelope> ByPersistenceId(string persistenceId, long from, long to, bool live,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var next = Math.Max(from, 0);
        while (next <= to)
        {
            var count = 0;
            await foreach (var row in _reader.ByPersistenceIdAsync(persistenceId, next, to, _options.PageSize, withTags: true, ct: ct))
            {
                count++;
                next = row.SequenceNr + 1;
                yield return Envelope(row);
            }
            if (count == _options.PageSize) continue;
            if (!live) yield break;
            await Task.Delay(_options.PollInterval, ct);
        }
    }

    delegate IAsyncEnumerable<StoredEvent> Page(long after, long upTo, CancellationToken ct);

    async IAsyncEnumerable<EventEnvelope> ByOrdering(Page page, long offset, bool live, [EnumeratorCancellation] CancellationToken ct)
    {
        var watermark = new OrderingWatermark(offset, _options.MaxGapWait, _options.ClockSkewMargin);
        var after = offset;
        var upTo = live ? await AdvanceAsync(watermark, ct) : await _reader.MaxOrderingAsync(ct);
        while (true)
        {
            int count;
            do
            {
                count = 0;
                await foreach (var row in page(after, upTo, ct))
                {
                    count++;
                    after = row.Ordering;
                    yield return Envelope(row);
                }
            } while (count == _options.PageSize);
            // Everything up to upTo is visible and delivered (tagged events may be sparse below it).
            after = Math.Max(after, upTo);
            if (!live) yield break;
            while ((upTo = await AdvanceAsync(watermark, ct)) <= after)
                await Task.Delay(_options.PollInterval, ct);
        }
    }

    /// <summary>How far every event is visible: the newest ordering where commits come in order, else the watermark.</summary>
    async Task<long> AdvanceAsync(OrderingWatermark watermark, CancellationToken ct)
    {
        if (dialect.CommitsInOrderingOrder) return await _reader.MaxOrderingAsync(ct);
        while (true)
        {
            var before = watermark.Safe;
            var visible = await _reader.OrderingsAfterAsync(before, _options.PageSize, ct);
            watermark.Observe(visible);
            if (visible.Count < _options.PageSize || watermark.Safe == before) return watermark.Safe;
        }
    }

    EventEnvelope Envelope(StoredEvent row) =>
        new(row.Ordering, row.PersistenceId, row.SequenceNr, SqlJournal.Decode(serializer, "event", row), row.Created, row.Tags);
}
