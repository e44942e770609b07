using Akka.Actor;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Tests.Actors.Training.Run;
using Stlm.Tests.Support;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Host.Commands;

/// <summary>`stlm pause` and `stlm set` on runs no process trains: the command itself is the run's writer for a moment.</summary>
public sealed class IdleControlCommandTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    StlmProcess.Result Stlm(params string[] args) =>
        StlmProcess.Run(_journal.Folder, new Dictionary<string, string> { ["STLM_DATA_DIR"] = _journal.DataDir }, args);

    /// <summary>A run with the full default config, 4 steps and a checkpoint at 4, left as <paramref name="end"/> says.</summary>
    async Task RunAsync(string id, string end)
    {
        var system = _journal.StartSystem();
        var run = system.ActorOf(RunActor.Props(id, 1000), "run-" + id);
        var config = TrainConfigLoader.Load(null, []);
        await Ask(run, new CreateRun(id, config.ToHocon(), config.ContentHash(), 1337, "test-build"));
        await Steps(run, 1, 4);
        await Ask(run, new CommitCheckpoint(4, "h4", "/ck/" + id + "/step-000000004", 1));
        if (end == "paused") await Ask(run, new PauseRun("operator"));
        if (end == "completed") await Ask(run, new CompleteRun());
        await StopAsync(system); // "crashed" when left running
    }

    async Task<RunState> LoadAsync(string id)
    {
        await using var store = _journal.OpenStore();
        return await new RunJournalReader(store.Query).LoadAsync(id);
    }

    static string OneErrorLine(StlmProcess.Result r)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("   at ", r.StdErr);
        return Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.Contains(" INF "));
    }

    [Fact]
    public async Task Set_on_a_paused_run_journals_the_override_from_the_next_step()
    {
        await RunAsync("r-1", "paused");

        var r = Stlm("set", "r-1", "lr=3e-4");
        var scaled = Stlm("set", "r-1", "dropout*=0.5", "--from-step", "9");

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("r-1: lr=3e-4 from step 5 (journaled; the run is paused, resume with: stlm resume r-1)", r.StdOut.Trim());
        Assert.True(scaled.ExitCode == 0, scaled.StdErr);
        var overrides = (await LoadAsync("r-1")).Overrides.Select(o => (o.What, o.Value, o.FromStep));
        Assert.Equal([("lr", "3e-4", 5L), ("dropout", "*0.5", 9L)], overrides);
    }

    [Theory]
    [InlineData("lrr=1", "unknown schedule `lrr`")]
    [InlineData("lr=fast", "`fast` is not a number")]
    [InlineData("lr=3e-4@7", "--from-step")]
    public async Task A_bad_setting_is_one_line_and_journals_nothing(string setting, string says)
    {
        await RunAsync("r-2", "paused");

        Assert.Contains(says, OneErrorLine(Stlm("set", "r-2", setting)));
        Assert.Empty((await LoadAsync("r-2")).Overrides);
    }

    [Fact]
    public async Task Set_from_a_step_the_run_already_journaled_is_refused_in_one_line()
    {
        await RunAsync("r-3", "paused");

        Assert.Equal("stlm: run r-3 already journaled step 4: an override can start at step 5 at the earliest",
            OneErrorLine(Stlm("set", "r-3", "lr=1e-3", "--from-step", "3")));
        Assert.Null(await LeaseOf("r-3"));
    }

    [Fact]
    public async Task Pausing_a_paused_run_says_so_and_succeeds()
    {
        await RunAsync("r-4", "paused");

        var r = Stlm("pause", "r-4");

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("r-4 is already paused at step 4 (checkpoint step-000000004); resume with: stlm resume r-4", r.StdOut.Trim());
    }

    [Fact]
    public async Task Pausing_a_run_whose_trainer_died_marks_it_paused()
    {
        await RunAsync("r-5", "running");

        var r = Stlm("pause", "r-5");

        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("r-5 was not training (its trainer stopped after step 4 without pausing): marked paused; " +
                     "resume with: stlm resume r-5 (it goes on from checkpoint step-000000004)", r.StdOut.Trim());
        Assert.Equal(RunStatus.Paused, (await LoadAsync("r-5")).Status);
    }

    [Fact]
    public async Task Pausing_a_completed_or_unknown_run_is_an_error_in_one_line()
    {
        await RunAsync("r-6", "completed");

        Assert.Equal("stlm: run r-6 completed at step 4: there is nothing to pause", OneErrorLine(Stlm("pause", "r-6")));
        Assert.Contains("no run r-9", OneErrorLine(Stlm("pause", "r-9")));
    }

    [Fact]
    public async Task A_trainer_that_holds_the_lease_but_does_not_answer_leaves_the_run_untouched()
    {
        await RunAsync("r-7", "running");
        await using (var store = _journal.OpenStore())
            await new RunLeaseStore(store.Dialect).AcquireAsync("r-7", new LeaseOwner("node-z", 4242, "silent"), TimeSpan.FromMinutes(2));

        var line = OneErrorLine(Stlm("pause", "r-7", "--timeout", "1"));

        Assert.Equal("stlm: the trainer of r-7 (pid 4242 on node node-z) did not answer within 1 s, so nothing was changed; " +
                     "it may be busy (a long step or evaluation): try again, or raise --timeout", line);
        Assert.Equal(RunStatus.Running, (await LoadAsync("r-7")).Status);
    }

    async Task<RunLease?> LeaseOf(string id)
    {
        await using var store = _journal.OpenStore();
        return await new RunLeaseStore(store.Dialect).CurrentAsync(id);
    }
}
