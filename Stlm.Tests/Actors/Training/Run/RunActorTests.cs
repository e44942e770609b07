using Akka.Actor;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Actors.Training.Run;

public sealed class RunActorTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    IActorRef Spawn(ActorSystem system, string id, int snapshotEvery = 1000) =>
        system.ActorOf(RunActor.Props(id, snapshotEvery), "run-" + id);

    [Fact]
    public async Task A_run_goes_through_create_steps_checkpoint_pause_resume_and_complete()
    {
        var run = Spawn(_journal.StartSystem(), "r-1");
        var created = await Ask(run, Create("r-1"));
        Assert.Equal(RunStatus.Running, created.Status);
        Assert.Equal(0, created.Step);

        await Steps(run, 1, 3);
        var committed = await Ask(run, new CommitCheckpoint(3, "h3", "/ck/h3", 4096));
        Assert.Equal(new Checkpoint(3, "h3", "/ck/h3", 4096), Assert.Single(committed.Checkpoints));
        await Ask(run, new RecordEval(3, "validation", [new("bpb", 1.25)]));
        var paused = await Ask(run, new PauseRun("operator"));
        Assert.Equal((RunStatus.Paused, "operator"), (paused.Status, paused.StatusReason));

        var resumed = await Ask(run, new ResumeRun("node-a", 4123));
        Assert.Equal(("h3", 3L, "node-a", 4123L), (resumed.LastResumed!.CheckpointHash, resumed.LastResumed.Step, resumed.LastResumed.Node, resumed.LastResumed.ProcessId));
        await Steps(run, 4, 5);
        var done = await Ask(run, new CompleteRun());

        Assert.Equal(RunStatus.Completed, done.Status);
        Assert.Equal(5, done.Step);
        Assert.Equal(5 * 1024, done.Tokens);
        Assert.Equal([.. Enumerable.Range(1, 5).Select(s => Step(s).Loss)], done.Losses);
        Assert.Equal(Step(5), done.LastStep);
        Assert.Equal(11, done.Events);
    }

    [Fact]
    public async Task An_evaluation_journaled_again_with_equal_metrics_is_rechecked_and_a_different_one_is_a_new_fact()
    {
        var run = Spawn(_journal.StartSystem(), "r-evals");
        await Ask(run, Create("r-evals"));
        await Steps(run, 1, 3);
        var first = await Ask(run, new RecordEval(3, "hellaswag", [new("acc", 0.25), new("acc_norm", 0.5), new("items", 4)]));

        var again = await run.Ask<RunReply>(new RecordEval(3, "hellaswag", [new("acc", 0.25), new("acc_norm", 0.5), new("items", 4)]), TimeSpan.FromSeconds(10));
        Assert.Equal(first.Events, Assert.IsType<StepRechecked>(again).State.Events);
        // Another task, or other values (e.g. the step retrained after a rollback), are journaled.
        await Ask(run, new RecordEval(3, "arc_easy", [new("acc", 0.25), new("acc_norm", 0.5), new("items", 4)]));
        var changed = await Ask(run, new RecordEval(3, "hellaswag", [new("acc", 0.5), new("acc_norm", 0.5), new("items", 4)]));
        Assert.Equal([("hellaswag", 0.25), ("arc_easy", 0.25), ("hellaswag", 0.5)], changed.Evals.Select(e => (e.Task, e.Metrics[0].Value)));
    }

    [Fact]
    public async Task A_re_run_step_with_the_journaled_loss_is_checked_and_not_journaled_again()
    {
        var run = Spawn(_journal.StartSystem(), "r-2");
        await Ask(run, Create("r-2"));
        await Steps(run, 1, 2);
        await Ask(run, new CommitCheckpoint(2, "h2", "/ck/h2", 1));
        await Steps(run, 3, 5);
        await Ask(run, new PauseRun("test"));
        await Ask(run, new ResumeRun("n", 1));

        var reply = await run.Ask<RunReply>(new RecordStep(Step(3)), TimeSpan.FromSeconds(10));
        var rechecked = Assert.IsType<StepRechecked>(reply);
        Assert.Equal(5, rechecked.State.Step);
        await Steps(run, 4, 6);
        var state = await Ask(run, new GetRunState());
        Assert.Equal(6, state.Step);
        Assert.Equal(6 * 1024, state.Tokens);
    }

    [Fact]
    public async Task A_re_run_step_with_another_loss_is_refused_naming_both_losses()
    {
        var run = Spawn(_journal.StartSystem(), "r-3");
        await Ask(run, Create("r-3"));
        await Steps(run, 1, 1200);
        await Ask(run, new PauseRun("test"));
        await Ask(run, new ResumeRun("n", 1));
        await Steps(run, 1, 1199);

        var journaled = Step(1200).Loss;
        var other = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(journaled) + 1);
        var e = await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new RecordStep(Step(1200, other))));
        Assert.Equal($"step 1200 re-ran with loss {other:R} but the journal has {journaled:R}: the run is not deterministic here", e.Message);
    }

    [Fact]
    public async Task Commands_that_break_the_run_rules_are_refused_in_one_line()
    {
        var run = Spawn(_journal.StartSystem(), "r-4");
        var missing = await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new RecordStep(Step(1))));
        Assert.Equal("run r-4 does not exist", missing.Message);
        await Ask(run, Create("r-4"));
        Assert.Contains("already exists", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, Create("r-4")))).Message);
        Assert.Contains("step 2 arrived but the next step is 1", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new RecordStep(Step(2))))).Message);
        await Steps(run, 1, 2);
        Assert.Contains("already training in this process", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new ResumeRun("n", 1)))).Message);
        Assert.Contains("no committed checkpoint nope", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new DeleteCheckpoint("nope", "x")))).Message);
        Assert.Contains("cannot be committed", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new CommitCheckpoint(9, "h9", "/p", 1)))).Message);
        Assert.Contains("at step 3 at the earliest", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new OverrideSchedule("lr", "1e-4", 2)))).Message);
        await Ask(run, new PauseRun("p"));
        Assert.Contains("is paused at step 2", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new RecordStep(Step(3))))).Message);
        await Ask(run, new ResumeRun("n", 1));
        await Steps(run, 1, 2);
        await Ask(run, new CompleteRun());
        Assert.Equal("run r-4 completed at step 2: no steps after that",
            (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new RecordStep(Step(3))))).Message);
        Assert.Contains("cannot be resumed", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(run, new ResumeRun("n", 1)))).Message);
        Assert.Equal(6, (await Ask(run, new GetRunState())).Events);
    }

    [Fact]
    public async Task After_a_crash_steps_wait_for_a_resume_and_re_runs_are_checked()
    {
        var first = _journal.StartSystem();
        var run = Spawn(first, "r-5");
        await Ask(run, Create("r-5"));
        await Steps(run, 1, 4);
        await Ask(run, new CommitCheckpoint(2, "h2", "/ck/h2", 1));
        await StopAsync(first);

        var again = Spawn(_journal.StartSystem(), "r-5");
        Assert.Contains("was not resumed in this process", (await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(again, new RecordStep(Step(5))))).Message);
        var resumed = await Ask(again, new ResumeRun("node-b", 77));
        Assert.Equal(2, resumed.LastResumed!.Step);
        await Steps(again, 3, 6);
        Assert.Equal(6, (await Ask(again, new GetRunState())).Step);
    }

    [Fact]
    public async Task Recovery_from_snapshot_and_tail_equals_the_state_before_the_crash()
    {
        var first = _journal.StartSystem();
        var run = Spawn(first, "r-6", snapshotEvery: 10);
        await Ask(run, Create("r-6"));
        await Steps(run, 1, 20);
        await Ask(run, new CommitCheckpoint(20, "h20", "/ck/h20", 5));
        await Ask(run, new RecordEval(20, "validation", [new("bpb", 1.5), new("loss", 2.5)]));
        await Ask(run, new OverrideSchedule("lr", "3e-4"));
        var before = await Steps(run, 21, 25);
        // Akka saves snapshots in the background: wait for the one at event 20 before the "crash".
        await using (var store = _journal.OpenStore())
            for (var tries = 0; (await store.Query.LatestSnapshotAsync("run-r-6"))?.Metadata.SequenceNr != 20 && tries < 100; tries++)
                await Task.Delay(100);
        await StopAsync(first);

        await using (var store = _journal.OpenStore())
        {
            var snapshot = await store.Query.LatestSnapshotAsync("run-r-6");
            Assert.Equal(20, snapshot!.Metadata.SequenceNr);
            Assert.Equal(19, ((RunSnapshot)snapshot.Snapshot).Step);
        }

        var again = Spawn(_journal.StartSystem(), "r-6", snapshotEvery: 10);
        var recovered = await Ask(again, new GetRunState());
        Assert.Equal(before, recovered);
        Assert.Equal(before, await new RunJournalReader(_journal.OpenStoreQuery()).LoadAsync("r-6"));
    }

    [Fact]
    public async Task A_fork_must_name_a_committed_checkpoint_of_its_parent()
    {
        var system = _journal.StartSystem();
        var parent = Spawn(system, "base");
        await Ask(parent, Create("base"));
        await Steps(parent, 1, 4);
        await Ask(parent, new CommitCheckpoint(2, "h2", "/ck/h2", 1));
        var parentState = await Ask(parent, new GetRunState());

        var bad = Spawn(system, "bad");
        var e = await Assert.ThrowsAsync<RunCommandRejectedException>(() => Ask(bad, Create("bad", new ForkFrom(parentState, 3, []))));
        Assert.Equal("cannot fork base@3: no committed checkpoint at step 3; committed checkpoints are at steps 2", e.Message);

        var fork = Spawn(system, "variant");
        var forked = await Ask(fork, Create("variant", new ForkFrom(parentState, 2, ["training.optimizer.lr=3e-4"])));
        Assert.Equal(("base", 2L, "h2"), (forked.Fork!.ParentRunId, forked.Fork.ForkStep, forked.Fork.ParentCheckpointHash));
        Assert.Equal(["training.optimizer.lr=3e-4"], forked.Fork.Overrides);
        Assert.Equal((3L, 2L), (forked.FirstStep, forked.Step));
        var stepped = await Ask(fork, new RecordStep(Step(3)));
        Assert.Equal(Step(3).Loss, stepped.LossAt(3));
    }
}
