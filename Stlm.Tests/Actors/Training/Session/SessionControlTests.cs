using System.Text.RegularExpressions;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Model;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionControlTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    [Fact]
    public async Task A_second_session_on_a_training_run_is_refused_with_the_holder_named()
    {
        await using var rig = new SessionRig(corpus);
        var hold = new ManualResetEventSlim();
        var first = await TrainingSession.StartNew("leased", rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n == 2) hold.Wait(TimeSpan.FromSeconds(30));
        }));

        var refused = await Assert.ThrowsAsync<RunLeaseRefusedException>(() => TrainingSession.Resume("leased", rig.Options()));
        Assert.StartsWith($"run leased is being trained by pid {Environment.ProcessId} on node {Environment.MachineName} since ", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);

        first.RequestPause("test");
        hold.Set();
        Assert.Equal(SessionEnd.Paused, (await SessionRig.Finish(first)).End);
        var resumed = await rig.ResumeAsync("leased");
        Assert.Equal(SessionEnd.Completed, resumed.End);
    }

    [Fact]
    public async Task The_session_renews_its_lease_while_a_long_step_runs()
    {
        await using var rig = new SessionRig(corpus);
        var inLongStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = rig.Config("session.lease-ttl=1s", "session.lease-renew-every=200ms");
        var first = await TrainingSession.StartNew("renewed", config, rig.Options(beforeStep: (n, _) =>
        {
            if (n != 2) return;
            inLongStep.TrySetResult();
            Thread.Sleep(2500);
        }));
        await inLongStep.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await Task.Delay(1500); // past the first lease's expiry

        await Assert.ThrowsAsync<RunLeaseRefusedException>(() => TrainingSession.Resume("renewed", rig.Options()));
        Assert.Equal(SessionEnd.Completed, (await SessionRig.Finish(first)).End);
        Assert.Null(await rig.Stores.Leases!.CurrentAsync("renewed"));
    }

    [Fact]
    public async Task An_override_applies_from_the_next_step_and_survives_a_pause_and_resume()
    {
        await using var rig = new SessionRig(corpus);
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ScheduleOverridden>? overridden = null;
        var session = await TrainingSession.StartNew("steered", rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n == 3) overridden = started.Task.Result.Override("lr", "1e-3");
            if (n == 6) SessionRig.PauseDuringStep(started.Task.Result);
        }));
        started.SetResult(session);
        await SessionRig.Finish(session);
        await rig.ResumeAsync("steered");

        var journaled = await overridden!;
        Assert.Equal(("lr", "1e-3"), (journaled.What, journaled.Value));
        // Sent during step 3: it applies from step 4, or from 5 when the trainer took step 4's batch from its mailbox first.
        Assert.InRange(journaled.FromStep, 4, 5);
        var lrs = rig.Events.OfType<StepEvent>().ToDictionary(e => e.Step.Step, e => e.Step.Lr);
        Assert.NotEqual(1e-3, lrs[journaled.FromStep - 1]);
        Assert.All(Enumerable.Range((int)journaled.FromStep, 9 - (int)journaled.FromStep), s => Assert.Equal(1e-3, lrs[s]));
    }

    [Fact]
    public async Task An_override_of_a_step_already_started_is_refused_in_one_line()
    {
        await using var rig = new SessionRig(corpus);
        var started = new TaskCompletionSource<TrainingSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<ScheduleOverridden>? early = null, bad = null;
        var session = await TrainingSession.StartNew("strict", rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n != 4) return;
            early = started.Task.Result.Override("lr", "1e-3", fromStep: 2);
            bad = started.Task.Result.Override("dropout", "1.5");
        }));
        started.SetResult(session);
        await SessionRig.Finish(session);

        var tooEarly = await Assert.ThrowsAnyAsync<StlmException>(() => early!);
        // The trainer reads the request after step 4, or later if batches for the next steps were in its mailbox first.
        var refused = Regex.Match(tooEarly.Message, @"^run strict has already started step (\d+): an override can start at step (\d+) at the earliest$");
        Assert.True(refused.Success, tooEarly.Message);
        var lastStarted = long.Parse(refused.Groups[1].Value);
        Assert.True(lastStarted >= 4, tooEarly.Message);
        Assert.Equal(lastStarted + 1, long.Parse(refused.Groups[2].Value));
        var invalid = await Assert.ThrowsAnyAsync<StlmException>(() => bad!);
        Assert.Contains("dropout is a probability and must be below 1", invalid.Message);
        Assert.Empty((await rig.ReadAsync("strict")).Overrides);
    }

    [Fact]
    public async Task An_override_sent_during_a_step_applies_from_the_next_and_one_after_the_end_is_refused()
    {
        await using var rig = new SessionRig(corpus);
        var sent = new ManualResetEventSlim();
        var session = await TrainingSession.StartNew("eager", rig.Config(), rig.Options(beforeStep: (n, _) =>
        {
            if (n != 1) return;
            sent.Wait(TimeSpan.FromSeconds(20));
            Thread.Sleep(200); // the request reaches the trainer's mailbox while step 1 runs
        }));
        var pending = session.Override("dropout", "0.05");
        sent.Set();
        var early = await pending;
        await SessionRig.Finish(session);

        Assert.Equal("dropout", early.What);
        Assert.Equal(0.05, rig.Events.OfType<StepEvent>().Single(e => e.Step.Step == 8).Step.Dropout);
        var late = await Assert.ThrowsAnyAsync<StlmException>(() => session.Override("lr", "1e-3"));
        Assert.StartsWith("run eager is no longer training in this session (completed)", late.Message);
    }

    [Fact]
    public async Task Resuming_a_run_that_does_not_exist_says_so()
    {
        await using var rig = new SessionRig(corpus);
        var e = await Assert.ThrowsAnyAsync<StlmException>(() => TrainingSession.Resume("ghost", rig.Options()));
        Assert.Equal("run ghost does not exist; `stlm runs` lists the runs", e.Message);
    }

    [Fact]
    public async Task Journal_steps_use_the_schedules_of_the_optimizer_step_before_them()
    {
        await using var rig = new SessionRig(corpus);
        var config = rig.Config();
        await SessionRig.Finish(await TrainingSession.StartNew("numbered", config, rig.Options()));
        var schedule = TrainingRecipe.From(config).ScheduleSet();
        foreach (var e in rig.Events.OfType<StepEvent>())
            Assert.Equal(schedule.At(e.Step.Step - 1).LearningRate, e.Step.Lr);
    }
}
