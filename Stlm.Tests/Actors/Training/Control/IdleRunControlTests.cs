using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Actors.Training.Run;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Actors.Training.Control;

public sealed class IdleRunControlTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    async Task PausedRunAsync(string id, long steps)
    {
        var system = _journal.StartSystem();
        var run = system.ActorOf(RunActor.Props(id, 1000), "run-" + id);
        await Ask(run, Create(id));
        await Steps(run, 1, steps);
        await Ask(run, new CommitCheckpoint(steps, "h" + steps, "/ck/" + steps, 1));
        await Ask(run, new PauseRun("operator"));
        await StopAsync(system);
    }

    [Fact]
    public async Task An_override_of_a_paused_run_is_journaled_from_the_next_step_and_the_lease_is_free_again()
    {
        await PausedRunAsync("r-1", 4);
        await using var store = _journal.OpenStore();

        var state = await IdleRunControl.ApplyAsync(store, "r-1", new OverrideSchedule("lr", "3e-4"), snapshotEvery: 1000);

        var o = Assert.Single(state.Overrides);
        Assert.Equal(("lr", "3e-4", 5L), (o.What, o.Value, o.FromStep));
        Assert.Equal(RunStatus.Paused, state.Status);
        Assert.Equal(state, await new RunJournalReader(store.Query).LoadAsync("r-1"));
        Assert.Null(await new RunLeaseStore(store.Dialect).CurrentAsync("r-1"));
    }

    [Fact]
    public async Task A_run_whose_lease_another_process_holds_is_left_alone()
    {
        await PausedRunAsync("r-2", 2);
        await using var store = _journal.OpenStore();
        await new RunLeaseStore(store.Dialect).AcquireAsync("r-2", new LeaseOwner("node-b", 777, "other"), TimeSpan.FromMinutes(1));

        var e = await Assert.ThrowsAsync<RunLeaseRefusedException>(() =>
            IdleRunControl.ApplyAsync(store, "r-2", new OverrideSchedule("lr", "3e-4"), snapshotEvery: 1000));

        Assert.Contains("being trained by pid 777 on node node-b", e.Message);
        Assert.Empty((await new RunJournalReader(store.Query).LoadAsync("r-2")).Overrides);
    }

    [Fact]
    public async Task A_refused_command_throws_the_runs_line_and_still_lets_the_lease_go()
    {
        await PausedRunAsync("r-3", 3);
        await using var store = _journal.OpenStore();

        var e = await Assert.ThrowsAsync<RunCommandRejectedException>(() =>
            IdleRunControl.ApplyAsync(store, "r-3", new OverrideSchedule("lr", "3e-4", 2), snapshotEvery: 1000));

        Assert.Equal("run r-3 already journaled step 3: an override can start at step 4 at the earliest", e.Message);
        Assert.Null(await new RunLeaseStore(store.Dialect).CurrentAsync("r-3"));
    }
}
