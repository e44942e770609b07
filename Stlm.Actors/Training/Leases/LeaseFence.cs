using Stlm.Actors.Persistence;
using Stlm.Model;

namespace Stlm.Actors.Training.Leases;

/// <summary>
/// One session's hold on a run's lease, checked before each write the session makes to the run's
/// journal (registered with <see cref="WriteFences"/>, checked by <see cref="FencedSqlJournal"/>) and before a checkpoint is committed. A write goes
/// through only while the run's current lease is this holder's (same instance, same fencing
/// token) with at least <see cref="Margin"/> left. A lease that is still this holder's but
/// nearer its expiry than that (renewals held up by a loaded machine) is renewed on the spot —
/// a conditional update on the token, so it cannot win against a takeover — and the write goes
/// on. A holder that stalled past its TTL and was taken over, or whose lease was released, writes
/// nothing more; a write that passes lands before anyone may take the lease over unless the
/// write itself stalls longer than the margin. Once the check fails it stays failed, and
/// <see cref="LostReason"/> says why in one line. <see cref="ReleaseAsync"/> lets the lease go only
/// once every admitted write has landed: a write past the fence never lands after another holder's.
/// </summary>
public sealed class LeaseFence(RunLeaseStore store, RunLease lease, TimeSpan ttl) : IWriteFence
{
    volatile RunLease _lease = lease;
    volatile string? _lost;
    readonly Lock _gate = new();
    int _writing;
    bool _released;
    TaskCompletionSource? _landed;

    /// <summary>The lease as last acquired or renewed (the session sets it after each renewal).</summary>
    public RunLease Lease
    {
        get => _lease;
        set => _lease = value;
    }

    public RunLeaseStore Store { get; } = store;

    public TimeSpan Ttl { get; } = ttl;

    /// <summary>What a write needs left on the lease: a tenth of the TTL (3 s of the default 30 s).</summary>
    public TimeSpan Margin => Ttl / 10;

    /// <summary>Why writes are refused, or null while the lease holds.</summary>
    public string? LostReason => _lost;

    /// <summary>True while this holder may write; false (for good) once the lease was taken over or released.</summary>
    public async Task<bool> HoldsAsync(CancellationToken ct = default)
    {
        if (_lost is not null) return false;
        var lease = _lease;
        if (await Store.IsCurrentAsync(lease, Margin, ct)) return true;
        try
        {
            _lease = await Store.RenewAsync(lease, Ttl, ct);
            return true;
        }
        catch (RunLeaseLostException lost)
        {
            Lose(lost.Message);
            return false;
        }
    }

    public async Task<IDisposable?> AdmitAsync(CancellationToken ct = default)
    {
        lock (_gate)
        {
            if (_released) return null;
            _writing++;
        }
        var pass = new Pass(this);
        try
        {
            if (await HoldsAsync(ct)) return pass;
        }
        catch
        {
            pass.Dispose();
            throw;
        }
        pass.Dispose();
        return null;
    }

    /// <summary>
    /// Refuses writes from now on, waits for the admitted ones to land (up to <see cref="Margin"/>), then
    /// lets the lease go. If one is still out after that, the lease is kept until its TTL runs out, as a
    /// crashed holder's is: the next holder waits rather than write beside it.
    /// </summary>
    public async Task ReleaseAsync()
    {
        Task landed;
        lock (_gate)
        {
            _released = true;
            landed = _writing == 0 ? Task.CompletedTask : (_landed ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        Lose("this session let the run's lease go");
        if (!landed.IsCompleted && await Task.WhenAny(landed, Task.Delay(Margin)) != landed) return;
        try
        {
            await Store.ReleaseAsync(_lease);
        }
        catch (Exception)
        {
            // The lease expires by itself; a release is only a courtesy to the next holder.
        }
    }

    void Landed()
    {
        lock (_gate)
            if (--_writing == 0) _landed?.TrySetResult();
    }

    sealed class Pass(LeaseFence fence) : IDisposable
    {
        int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) fence.Landed();
        }
    }

    /// <summary>Marks the lease lost (a failed renewal says so first); the first reason stays.</summary>
    public void Lose(string reason) => Interlocked.CompareExchange(ref _lost, reason, null);
}

