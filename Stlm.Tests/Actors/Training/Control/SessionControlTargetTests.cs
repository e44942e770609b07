using Stlm.Actors.Training.Control;
using Stlm.Actors.Training.Session;
using Stlm.Tests.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Control;

/// <summary>The control channel driving a real (tiny) training session in this process.</summary>
public sealed class SessionControlTargetTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>, IAsyncLifetime
{
    readonly SqliteTestDatabase _db = new();
    readonly SessionRig _rig = new(corpus);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _rig.DisposeAsync();
        await _db.DisposeAsync();
    }

    static async Task<ControlRequest> AnsweredAsync(RunControlStore control, long id)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(1); DateTime.UtcNow < deadline; await Task.Delay(20))
            if (await control.GetAsync(id) is { IsAnswered: true } answered) return answered;
        throw new TimeoutException($"control request {id} was not answered");
    }

    [Fact]
    public async Task An_override_then_a_pause_are_journaled_and_answered_and_what_comes_too_late_is_refused_with_a_hint()
    {
        await using var dialect = _db.CreateDialect();
        var control = new RunControlStore(dialect);
        SessionControlTarget? target = null;
        var options = _rig.Options(beforeStep: (_, _) => Thread.Sleep(5)) with { Observer = e => target?.Observe(e) };
        var session = await TrainingSession.StartNew("r-ctl", _rig.Config("training.max-steps=10000", "checkpoint.every-steps=0"), options);
        target = new SessionControlTarget(session);
        await using var listener = RunControlListener.Start(control, "r-ctl", target, TimeSpan.FromMilliseconds(20));

        var lr = await AnsweredAsync(control, await control.SubmitAsync("r-ctl", ControlAsk.Override("lr", "1e-4"), "test"));
        var pause = await AnsweredAsync(control, await control.SubmitAsync("r-ctl", ControlAsk.Pause("test pause"), "test"));
        var outcome = await SessionRig.Finish(session);
        var late = await control.SubmitAsync("r-ctl", ControlAsk.Override("lr", "*0.5"), "test");
        await listener.StopAsync(r => target.Last(r, outcome));

        Assert.True(lr.State == ControlState.Done, lr.Outcome);
        Assert.Matches(@"^r-ctl: lr=1e-4 from step \d+$", lr.Outcome);
        Assert.Equal(SessionEnd.Paused, outcome.End);
        Assert.Equal((ControlState.Done, $"r-ctl paused at step {outcome.Step} (checkpoint step-{outcome.Step:D9}); resume with: stlm resume r-ctl"),
            (pause.State, pause.Outcome));
        Assert.Equal((ControlState.Refused, $"r-ctl paused at step {outcome.Step} before the override was taken; run `stlm set r-ctl lr*=0.5` again to journal it for the resume"),
            ((await control.GetAsync(late))!.State, (await control.GetAsync(late))!.Outcome));
        var run = await _rig.ReadAsync("r-ctl");
        Assert.Equal("test pause", run.StatusReason);
        Assert.Equal(("lr", "1e-4"), (run.Overrides.Single().What, run.Overrides.Single().Value));
    }

    [Fact]
    public async Task An_override_asked_before_the_first_step_waits_for_the_trainer_instead_of_failing_the_run()
    {
        await using var dialect = _db.CreateDialect();
        var control = new RunControlStore(dialect);
        var early = await control.SubmitAsync("r-early", ControlAsk.Override("dropout", "0.05"), "test");
        SessionControlTarget? target = null;
        var options = _rig.Options() with { Observer = e => target?.Observe(e) };
        var session = await TrainingSession.StartNew("r-early", _rig.Config("training.max-steps=10000", "checkpoint.every-steps=0"), options);
        target = new SessionControlTarget(session);
        await using var listener = RunControlListener.Start(control, "r-early", target, TimeSpan.FromMilliseconds(1));

        var answered = await AnsweredAsync(control, early);
        session.RequestPause("test");
        var outcome = await SessionRig.Finish(session);

        Assert.True(answered.State == ControlState.Done, answered.Outcome);
        Assert.Equal(SessionEnd.Paused, outcome.End);
    }
}
