using Stlm.Actors.Persistence;

namespace Stlm.Actors.Training.Leases;

/// <summary>
/// The journal as a training session sees it: every write (and deletion) first passes the
/// session's <see cref="LeaseFence"/>, so a session whose lease was taken over journals nothing
/// more — not a step, not a checkpoint, not Paused — and the new holder's history stays the
/// only one. A refused write fails with <see cref="LeaseFencedException"/>, which stops the
/// writing actor. Reads pass through; the inner journal belongs to the caller.
/// </summary>
public sealed class FencedJournal(IJournal inner, LeaseFence fence) : IJournal
{
    public async Task<IReadOnlyList<Exception?>> WriteMessagesAsync(IReadOnlyList<AtomicWrite> writes, CancellationToken ct = default)
    {
        await CheckAsync(ct);
        return await inner.WriteMessagesAsync(writes, ct);
    }

    public Task ReplayMessagesAsync(string persistenceId, long fromSequenceNr, long toSequenceNr, long max,
        Action<Persistent> recoveryCallback, CancellationToken ct = default) =>
        inner.ReplayMessagesAsync(persistenceId, fromSequenceNr, toSequenceNr, max, recoveryCallback, ct);

    public Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken ct = default) =>
        inner.ReadHighestSequenceNrAsync(persistenceId, fromSequenceNr, ct);

    public async Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken ct = default)
    {
        await CheckAsync(ct);
        await inner.DeleteMessagesToAsync(persistenceId, toSequenceNr, ct);
    }

    async Task CheckAsync(CancellationToken ct)
    {
        if (!await fence.HoldsAsync(ct)) throw new LeaseFencedException(fence.LostReason!);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
