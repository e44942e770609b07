using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

/// <summary>The schedule actor's plateau policy: a pure decision on journaled evaluations, journaled itself, followed by the steps after it.</summary>
[Collection(nameof(TorchGlobalState))]
public class LrPlateauTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    static EvalCompleted HeldOut(long step, double bpb) => new() { Step = step, Task = "heldout", Metrics = [new Metric { Name = "bpb", Value = bpb }] };

    static readonly LrPlateauPolicy Policy = new(Patience: 2, Factor: 0.5, MinDelta: 0.01);

    [Fact]
    public void A_plateau_is_patience_evaluations_that_do_not_beat_the_best_before_them_by_min_delta()
    {
        Assert.Null(Policy.Decide([HeldOut(2, 3.0), HeldOut(4, 2.5), HeldOut(6, 2.0)], []));
        Assert.Null(Policy.Decide([HeldOut(2, 3.0), HeldOut(4, 2.995)], []));            // not enough evaluations yet
        Assert.Equal(6, Policy.Decide([HeldOut(2, 3.0), HeldOut(4, 2.995), HeldOut(6, 3.1)], []));
        Assert.Null(Policy.Decide([HeldOut(2, 3.0), HeldOut(4, 2.995), HeldOut(6, 2.9)], [])); // step 6 improved enough
        Assert.Null(new LrPlateauPolicy(0, 0.5, 0.01).Decide([HeldOut(2, 3.0), HeldOut(4, 3.0), HeldOut(6, 3.0)], []));
    }

    [Fact]
    public void A_journaled_decision_is_not_taken_again_and_starts_a_new_window()
    {
        var evals = new List<EvalCompleted> { HeldOut(2, 3.0), HeldOut(4, 3.0), HeldOut(6, 3.0) };
        var decided = new ScheduleOverridden { What = "lr", Value = "*0.5", FromStep = 7, DecidedBy = LrPlateauPolicy.DecidedBy(6) };
        Assert.Null(Policy.Decide(evals, [decided]));                                    // a resume re-runs the evaluation at 6
        Assert.Null(Policy.Decide([.. evals, HeldOut(8, 3.0), HeldOut(10, 3.0)], [decided]));
        Assert.Equal(12, Policy.Decide([.. evals, HeldOut(8, 3.0), HeldOut(10, 3.0), HeldOut(12, 3.0)], [decided]));
        Assert.Null(Policy.Decide(evals, [new ScheduleOverridden { What = "lr", Value = "*0.5", FromStep = 7 }, decided]));
    }

    [Fact]
    public async Task A_plateau_decision_is_journaled_and_every_step_from_it_trains_with_the_lower_lr()
    {
        await using var rig = new SessionRig(corpus);
        string[] sets = ["training.max-steps=12", "eval.every-steps=2"];
        Assert.Equal(SessionEnd.Completed, (await rig.TrainAsync("plain", sets)).End);
        // min-delta 100: no evaluation can improve enough, so the policy decides at the second held-out one.
        // Evaluations run beside training: step 9 waits until the decision is journaled, so a loaded
        // machine cannot finish the run before the evaluation that decides it comes back.
        var config = rig.Config([.. sets, "session.lr-plateau.patience=1", "session.lr-plateau.min-delta=100"]);
        var session = await TrainingSession.StartNew("plateau", config, rig.Options(beforeStep: (n, _) =>
        {
            if (n != 9) return;
            for (var waited = 0; waited < 600 && !Decided(rig); waited++) Thread.Sleep(50);
        }));
        Assert.Equal(SessionEnd.Completed, (await SessionRig.Finish(session)).End);

        var (plain, plateau) = (await rig.ReadAsync("plain"), await rig.ReadAsync("plateau"));
        var decision = plateau.Overrides.First();
        var secondEval = plateau.Evals.Where(e => e.Task == "heldout").Select(e => e.Step).Distinct().Order().ElementAt(1);
        Assert.Equal(("lr", "*0.5", LrPlateauPolicy.DecidedBy(secondEval)), (decision.What, decision.Value, decision.DecidedBy));
        Assert.True(decision.FromStep > secondEval);
        var plainLr = await StepLrs(rig, "plain");
        var plateauLr = await StepLrs(rig, "plateau");
        foreach (var step in plainLr.Keys.Where(s => s < decision.FromStep))
            Assert.Equal(plainLr[step], plateauLr[step]);
        var second = plateau.Overrides.Skip(1).FirstOrDefault()?.FromStep ?? long.MaxValue;
        foreach (var step in plainLr.Keys.Where(s => s >= decision.FromStep && s < second))
            Assert.Equal(plainLr[step] * 0.5, plateauLr[step]);
        Assert.Equal(plain.Step, plateau.Step);
    }

    static bool Decided(SessionRig rig)
    {
        lock (rig.Events) return rig.Events.OfType<OverrideEvent>().Any();
    }

    static async Task<Dictionary<long, double>> StepLrs(SessionRig rig, string runId)
    {
        var lrs = new Dictionary<long, double>();
        await foreach (var e in rig.Stores.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId)))
            if (e.Event is StepCompleted s) lrs[s.Step] = s.Lr;
        return lrs;
    }
}
