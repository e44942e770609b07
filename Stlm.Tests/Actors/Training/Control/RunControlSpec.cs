using System.Collections.Concurrent;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Leases;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Control;

/// <summary>The control channel on one engine; asker and trainer each get their own connection pool, as two processes would.</summary>
public abstract class RunControlSpec : SqlEngineSpec
{
    static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(20);

    (RunControlStore Control, RunLeaseStore Leases) NewProcess()
    {
        var dialect = NewDialect();
        return (new RunControlStore(dialect), new RunLeaseStore(dialect));
    }

    /// <summary>A trainer that records what it was asked and answers with fixed lines (or refuses overrides of "dropout").</summary>
    sealed class RecordingTarget : IRunControlTarget
    {
        public ConcurrentQueue<ControlAsk> Asked { get; } = new();

        public Task<string> PauseAsync(string reason, CancellationToken ct)
        {
            Asked.Enqueue(ControlAsk.Pause(reason));
            return Task.FromResult("r-1 paused at step 120 (checkpoint step-000000120); resume with: stlm resume r-1");
        }

        public Task<string> OverrideAsync(string what, string value, long? fromStep, CancellationToken ct)
        {
            Asked.Enqueue(ControlAsk.Override(what, value, fromStep));
            if (what == "dropout") throw new StlmException("model.dropout is 0 in this run: there is no dropout to change");
            return Task.FromResult($"r-1: {what}={value} from step {fromStep ?? 121}");
        }
    }

    [Fact]
    public async Task A_pause_asked_from_another_process_is_taken_done_and_its_outcome_comes_back()
    {
        var (trainerControl, trainerLeases) = NewProcess();
        var (askerControl, askerLeases) = NewProcess();
        await trainerLeases.AcquireAsync("r-1", LeaseOwner.ThisProcess(), Ttl);
        var target = new RecordingTarget();
        await using var listener = RunControlListener.Start(trainerControl, "r-1", target, Fast);

        var answered = await new RunControlClient(askerControl, askerLeases).AskTrainerAsync("r-1", ControlAsk.Pause("operator"), TimeSpan.FromSeconds(20));

        Assert.NotNull(answered);
        Assert.Equal(ControlState.Done, answered.State);
        Assert.Equal("r-1 paused at step 120 (checkpoint step-000000120); resume with: stlm resume r-1", answered.Outcome);
        Assert.Equal([ControlAsk.Pause("operator")], target.Asked);
        Assert.Contains($"pid {Environment.ProcessId}", answered.RequestedBy);
        Assert.Empty(await askerControl.PendingAsync("r-1"));
    }

    [Fact]
    public async Task An_override_carries_what_value_and_from_step_and_a_refusal_carries_the_trainers_line()
    {
        var (trainerControl, trainerLeases) = NewProcess();
        var (askerControl, askerLeases) = NewProcess();
        await trainerLeases.AcquireAsync("r-1", LeaseOwner.ThisProcess(), Ttl);
        var target = new RecordingTarget();
        await using var listener = RunControlListener.Start(trainerControl, "r-1", target, Fast);
        var client = new RunControlClient(askerControl, askerLeases);

        var lr = await client.AskTrainerAsync("r-1", ControlAsk.Override("lr", "3e-4", 200), TimeSpan.FromSeconds(20));
        var dropout = await client.AskTrainerAsync("r-1", ControlAsk.Override("dropout", "0.1"), TimeSpan.FromSeconds(20));

        Assert.Equal((ControlState.Done, "r-1: lr=3e-4 from step 200"), (lr!.State, lr.Outcome));
        Assert.Equal((ControlState.Refused, "model.dropout is 0 in this run: there is no dropout to change"), (dropout!.State, dropout.Outcome));
        Assert.Equal([ControlAsk.Override("lr", "3e-4", 200), ControlAsk.Override("dropout", "0.1")], target.Asked);
        Assert.Equal(2, listener.Answered);
    }

    [Fact]
    public async Task Asking_a_run_nobody_trains_writes_nothing_and_says_so()
    {
        var (control, leases) = NewProcess();
        var lease = await leases.AcquireAsync("r-2", LeaseOwner.ThisProcess(), Ttl);
        await leases.ReleaseAsync(lease);

        Assert.Null(await new RunControlClient(control, leases).AskTrainerAsync("r-2", ControlAsk.Pause("operator"), TimeSpan.FromSeconds(5)));
        Assert.Empty(await control.PendingAsync("r-2"));
    }

    [Fact]
    public async Task A_request_nobody_takes_in_time_is_withdrawn_with_a_clear_line_and_never_fires_later()
    {
        var (trainerControl, trainerLeases) = NewProcess();
        var (askerControl, askerLeases) = NewProcess();
        await trainerLeases.AcquireAsync("r-3", new LeaseOwner("node-t", 4123, "trainer"), Ttl);

        var e = await Assert.ThrowsAsync<StlmException>(() =>
            new RunControlClient(askerControl, askerLeases).AskTrainerAsync("r-3", ControlAsk.Pause("operator"), TimeSpan.FromMilliseconds(300)));
        Assert.Equal("the trainer of r-3 (pid 4123 on node node-t) did not answer within 0.3 s, so nothing was changed; " +
                     "it may be busy (a long step or evaluation): try again, or raise --timeout", e.Message);

        var target = new RecordingTarget();
        await using (RunControlListener.Start(trainerControl, "r-3", target, Fast))
            await Task.Delay(200);
        Assert.Empty(target.Asked);
    }

    /// <summary>A trainer that takes a pause and is stuck until released (a step that never ends).</summary>
    sealed class StuckTarget : IRunControlTarget
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<string> PauseAsync(string reason, CancellationToken ct)
        {
            await Release.Task.WaitAsync(ct);
            return "r-9 paused at step 7";
        }

        public Task<string> OverrideAsync(string what, string value, long? fromStep, CancellationToken ct) => throw new NotSupportedException();
    }

    [Fact]
    public async Task A_request_taken_by_a_stuck_trainer_ends_the_wait_at_the_timeout_and_stays_recorded()
    {
        var (trainerControl, trainerLeases) = NewProcess();
        var (askerControl, askerLeases) = NewProcess();
        await trainerLeases.AcquireAsync("r-9", new LeaseOwner("node-t", 4123, "trainer"), Ttl);
        var stuck = new StuckTarget();
        await using var listener = RunControlListener.Start(trainerControl, "r-9", stuck, Fast);

        var e = await Assert.ThrowsAsync<StlmException>(() =>
            // Long enough for the listener to take the request on a loaded machine (500 ms was not, at load 40); the stuck trainer never finishes it.
            new RunControlClient(askerControl, askerLeases).AskTrainerAsync("r-9", ControlAsk.Pause("operator"), TimeSpan.FromSeconds(3)));
        Assert.Equal("the trainer of r-9 (pid 4123 on node node-t) took the request (pause (operator)) but did not finish it within 3 s; " +
                     "it stays recorded and is carried out when the trainer gets to it (it may be stuck): see `stlm runs`, or ask again with a larger --timeout", e.Message);
        var request = await askerControl.GetAsync(1);
        Assert.Equal(("r-9", ControlState.Taken), (request!.RunId, request.State));

        stuck.Release.SetResult();
        while ((await askerControl.GetAsync(1))!.State == ControlState.Taken) await Task.Delay(10);
        var answered = await askerControl.GetAsync(1);
        Assert.Equal((ControlState.Done, "r-9 paused at step 7"), (answered!.State, answered.Outcome));
    }

    [Fact]
    public async Task When_the_trainer_lets_the_lease_go_before_taking_the_request_the_asker_learns_nobody_trains_it()
    {
        var (trainerControl, trainerLeases) = NewProcess();
        var (askerControl, askerLeases) = NewProcess();
        var lease = await trainerLeases.AcquireAsync("r-4", LeaseOwner.ThisProcess(), Ttl);

        var asking = new RunControlClient(askerControl, askerLeases).AskTrainerAsync("r-4", ControlAsk.Override("lr", "1e-3"), TimeSpan.FromSeconds(20));
        while ((await trainerControl.PendingAsync("r-4")).Count == 0) await Task.Delay(10);
        await trainerLeases.ReleaseAsync(lease);

        Assert.Null(await asking);
        Assert.Empty(await trainerControl.PendingAsync("r-4"));
    }

    [Fact]
    public async Task Stopping_the_listener_answers_every_request_still_open()
    {
        var (control, _) = NewProcess();
        var first = await control.SubmitAsync("r-5", ControlAsk.Override("lr", "1e-3"), "test");
        var second = await control.SubmitAsync("r-5", ControlAsk.Pause("operator"), "test");
        var other = await control.SubmitAsync("r-6", ControlAsk.Pause("operator"), "test");
        var listener = RunControlListener.Start(control, "r-5", new RecordingTarget(), TimeSpan.FromHours(1));

        await listener.StopAsync(r => r.Ask.Kind == ControlKind.Pause
            ? ControlAnswer.Ok("r-5 paused at step 7 (checkpoint step-000000007)")
            : ControlAnswer.Refuse("r-5 completed at step 7 before the override could start"));
        await listener.DisposeAsync();

        Assert.Equal((ControlState.Refused, "r-5 completed at step 7 before the override could start"), Outcome(await control.GetAsync(first)));
        Assert.Equal((ControlState.Done, "r-5 paused at step 7 (checkpoint step-000000007)"), Outcome(await control.GetAsync(second)));
        Assert.Equal((ControlState.Pending, ""), Outcome(await control.GetAsync(other)));
    }

    [Fact]
    public async Task Of_a_claim_and_a_withdrawal_at_once_exactly_one_wins()
    {
        var (trainer, _) = NewProcess();
        var (asker, _) = NewProcess();
        for (var round = 0; round < 10; round++)
        {
            var id = await asker.SubmitAsync("r-7", ControlAsk.Pause("operator"), "test");
            var results = await Task.WhenAll(Task.Run(() => trainer.ClaimAsync(id)), Task.Run(() => asker.WithdrawAsync(id, "timeout")));
            Assert.Single(results, won => won);
            var state = (await asker.GetAsync(id))!.State;
            Assert.Equal(results[0] ? ControlState.Taken : ControlState.Withdrawn, state);
        }
    }

    [Fact]
    public async Task Only_a_taken_request_can_be_answered()
    {
        var (control, _) = NewProcess();
        var id = await control.SubmitAsync("r-8", ControlAsk.Override("lr", "2e-4", 50), "pid 1 on node n");
        Assert.False(await control.AnswerAsync(id, ControlAnswer.Ok("no")));
        Assert.True(await control.ClaimAsync(id));
        Assert.False(await control.ClaimAsync(id));
        Assert.True(await control.AnswerAsync(id, ControlAnswer.Ok("lr=2e-4 from step 50")));
        Assert.False(await control.WithdrawAsync(id, "late"));
        var request = (await control.GetAsync(id))!;
        Assert.Equal(("r-8", ControlAsk.Override("lr", "2e-4", 50), ControlState.Done, "pid 1 on node n"),
            (request.RunId, request.Ask, request.State, request.RequestedBy));
        Assert.NotNull(request.Changed);
        Assert.Null(await control.GetAsync(id + 1000));
    }

    static (ControlState, string) Outcome(ControlRequest? r) => (r!.State, r.Outcome);
}

public sealed class SqliteRunControlTests : RunControlSpec
{
    protected override SqlTestDatabase CreateDatabase() => new SqliteTestDatabase();
}

public sealed class PostgresRunControlTests : RunControlSpec
{
    protected override SqlTestDatabase CreateDatabase() => new PostgresTestDatabase();
}
