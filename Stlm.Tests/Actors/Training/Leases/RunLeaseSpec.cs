using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Leases;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Leases;

/// <summary>Run leases on one engine; each store gets its own connection pool, as two processes would.</summary>
public abstract class RunLeaseSpec : SqlEngineSpec
{
    sealed class Clock : TimeProvider
    {
        DateTimeOffset _now = new(2026, 11, 23, 12, 3, 11, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    readonly Clock _clock = new();

    RunLeaseStore NewStore(Func<LeaseOwner, bool>? holderIsGone = null) => new(NewDialect(), _clock, holderIsGone);

    static LeaseOwner Owner(long pid, string node = "node-x") => new(node, pid, Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Of_two_processes_acquiring_at_once_exactly_one_trains_and_the_other_says_why()
    {
        var (a, b) = (NewStore(), NewStore());
        for (var round = 0; round < 10; round++)
        {
            var run = $"r-{round}";
            var attempts = await Task.WhenAll(
                Task.Run(() => a.TryAcquireAsync(run, Owner(4123, "node-a"), Ttl)),
                Task.Run(() => b.TryAcquireAsync(run, Owner(5555, "node-b"), Ttl)));
            var winner = Assert.Single(attempts, x => x.Lease is not null).Lease!;
            var loser = Assert.Single(attempts, x => x.Lease is null);
            Assert.Equal(winner, loser.Holder);
            Assert.Equal(1, winner.FencingToken);
        }
    }

    [Fact]
    public async Task A_refusal_names_the_holder_and_since_when()
    {
        var (a, b) = (NewStore(), NewStore());
        await a.AcquireAsync("r-7", Owner(4123), Ttl);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<RunLeaseRefusedException>(() => b.AcquireAsync("r-7", Owner(99), Ttl));
        Assert.Equal("run r-7 is being trained by pid 4123 on node node-x since 12:03:11 UTC (lease until 12:03:41); " +
                     "stop it with `stlm pause r-7` or wait", e.Message);
    }

    [Fact]
    public async Task A_lease_whose_holder_process_is_gone_is_taken_over_at_once_and_the_old_holder_is_fenced_off()
    {
        var (a, b) = (NewStore(), NewStore(holderIsGone: o => o.ProcessId == 4123));
        var dead = await a.AcquireAsync("r-9", Owner(4123), Ttl);

        var taken = await b.AcquireAsync("r-9", Owner(77), Ttl);

        Assert.Equal(dead.FencingToken + 1, taken.FencingToken);
        Assert.False(await a.IsCurrentAsync(dead));
        await Assert.ThrowsAsync<RunLeaseRefusedException>(() => NewStore(holderIsGone: _ => false).AcquireAsync("r-9", Owner(4123), Ttl));
    }

    [Fact]
    public async Task An_expired_lease_is_taken_over_with_a_higher_token_and_the_old_holder_is_fenced_off()
    {
        var (a, b) = (NewStore(), NewStore());
        var first = await a.AcquireAsync("r-1", Owner(1), Ttl);
        _clock.Advance(TimeSpan.FromSeconds(20));
        first = await a.RenewAsync(first, Ttl);
        _clock.Advance(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAsync<RunLeaseRefusedException>(() => b.AcquireAsync("r-1", Owner(2), Ttl));
        _clock.Advance(TimeSpan.FromSeconds(11));

        var second = await b.AcquireAsync("r-1", Owner(2), Ttl);
        Assert.Equal(2, second.FencingToken);
        Assert.False(await a.IsCurrentAsync(first));
        Assert.True(await a.IsCurrentAsync(second));
        var lost = await Assert.ThrowsAsync<RunLeaseLostException>(() => a.RenewAsync(first, Ttl));
        Assert.Contains("was taken over by pid 2 on node node-x at 12:04:02 UTC (token 2)", lost.Message);
        await a.ReleaseAsync(first);
        Assert.Equal(second, await a.CurrentAsync("r-1"));
    }

    [Fact]
    public async Task The_fence_holds_while_the_lease_is_current_and_refuses_for_good_once_it_is_taken_over()
    {
        var (a, b) = (NewStore(), NewStore());
        var fence = new LeaseFence(a, await a.AcquireAsync("r-3", Owner(1), Ttl), Ttl);
        Assert.True(await fence.HoldsAsync());
        _clock.Advance(Ttl + TimeSpan.FromSeconds(1)); // stalled past the TTL, unrenewed
        await b.AcquireAsync("r-3", Owner(2), Ttl);

        Assert.False(await fence.HoldsAsync());
        Assert.Equal("the lease of run r-3 (fencing token 1) was taken over by pid 2 on node node-x at 12:03:42 UTC (token 2): stop training it here",
            fence.LostReason);
        await b.ReleaseAsync((await b.CurrentAsync("r-3"))!);
        fence.Lease = await a.AcquireAsync("r-3", fence.Lease.Owner, Ttl);
        Assert.False(await fence.HoldsAsync()); // a lost fence stays lost, even if the lease came back
    }

    [Fact]
    public async Task The_fence_renews_on_the_spot_a_lease_still_its_own_that_nears_expiry()
    {
        var a = NewStore();
        var fence = new LeaseFence(a, await a.AcquireAsync("r-4", Owner(1), Ttl), Ttl);
        _clock.Advance(Ttl - fence.Margin + TimeSpan.FromMilliseconds(1)); // its renewals were held up

        Assert.True(await fence.HoldsAsync());
        Assert.Equal(_clock.GetUtcNow().UtcDateTime + Ttl, fence.Lease.Expires);
        Assert.Equal(fence.Lease, await a.CurrentAsync("r-4"));
        Assert.Null(fence.LostReason);
    }

    [Fact]
    public async Task A_fenced_journal_writes_nothing_once_the_lease_is_taken_over()
    {
        var (a, b) = (NewStore(), NewStore());
        await using var store = JournalStore.Open(Database.CreateDialect());
        var fence = new LeaseFence(a, await a.AcquireAsync("r-5", Owner(1), Ttl), Ttl);
        var system = store.CreateSystem("fenced");
        try
        {
            WriteFences.Get(system).Register(RunIds.PersistenceId("r-5"), fence);
            var run = system.ActorOf(RunActor.Props("r-5", 1000), "run");
            await RunActor.AskAsync(run, RunTestJournal.Create("r-5"));
            _clock.Advance(Ttl + TimeSpan.FromSeconds(1));
            await b.AcquireAsync("r-5", Owner(2), Ttl);

            // The refused write stops the RunActor (Akka's persist failure): the step is never answered.
            await Assert.ThrowsAnyAsync<Exception>(() => RunActor.AskAsync(run, new RecordStep(RunTestJournal.Step(1)), TimeSpan.FromSeconds(3)));
            Assert.Contains("was taken over by pid 2", fence.LostReason);
            Assert.Equal(1, await store.Query.HighestSequenceNrAsync(RunIds.PersistenceId("r-5")));
        }
        finally
        {
            await system.TerminateWithin();
        }
    }

    [Fact]
    public async Task A_fence_lets_its_lease_go_only_once_the_writes_it_admitted_landed_and_admits_none_after()
    {
        var (a, b) = (NewStore(), NewStore());
        var ttl = TimeSpan.FromMinutes(10);   // a margin of a minute: the release waits on the write, not on the clock
        var fence = new LeaseFence(a, await a.AcquireAsync("r-6", Owner(1), ttl), ttl);
        var write = await fence.AdmitAsync();
        Assert.NotNull(write);

        var release = fence.ReleaseAsync();
        Assert.Null(await fence.AdmitAsync());
        Assert.False(await fence.HoldsAsync());
        Assert.False(release.IsCompleted);
        await Assert.ThrowsAsync<RunLeaseRefusedException>(() => b.AcquireAsync("r-6", Owner(2), ttl));

        write!.Dispose();
        await release.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await b.CurrentAsync("r-6"));
        Assert.Equal(2, (await b.AcquireAsync("r-6", Owner(2), ttl)).FencingToken);
    }

    [Fact]
    public async Task A_write_still_out_past_the_margin_keeps_the_lease_until_its_ttl_runs_out()
    {
        var (a, b) = (NewStore(), NewStore());
        var ttl = TimeSpan.FromSeconds(1);   // a margin of 100 ms
        var fence = new LeaseFence(a, await a.AcquireAsync("r-7", Owner(1), ttl), ttl);
        using var stalled = await fence.AdmitAsync();

        await fence.ReleaseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<RunLeaseRefusedException>(() => b.AcquireAsync("r-7", Owner(2), ttl));
        _clock.Advance(ttl + TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await b.AcquireAsync("r-7", Owner(2), ttl)).FencingToken);
    }

    [Fact]
    public async Task A_released_lease_is_free_at_once_and_the_token_keeps_growing()
    {
        var (a, b) = (NewStore(), NewStore());
        var owner = Owner(1);
        var lease = await a.AcquireAsync("r-2", owner, Ttl);
        Assert.Equal(lease, await a.AcquireAsync("r-2", owner, Ttl));
        await a.ReleaseAsync(lease);
        Assert.Null(await b.CurrentAsync("r-2"));
        var next = await b.AcquireAsync("r-2", Owner(2), Ttl);
        Assert.Equal(2, next.FencingToken);
        await b.ReleaseAsync(next);
        Assert.Equal(3, (await a.AcquireAsync("r-2", owner, Ttl)).FencingToken);
    }
}

public sealed class SqliteRunLeaseTests : RunLeaseSpec
{
    protected override SqlTestDatabase CreateDatabase() => new SqliteTestDatabase();
}

public sealed class PostgresRunLeaseTests : RunLeaseSpec
{
    protected override SqlTestDatabase CreateDatabase() => new PostgresTestDatabase();
}
