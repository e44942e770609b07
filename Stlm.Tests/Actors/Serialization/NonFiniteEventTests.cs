using Stlm.Actors.Serialization;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Actors.Training.Run;

namespace Stlm.Tests.Actors.Serialization;

/// <summary>StepSkipped and RolledBack: how they fold, round-trip and are checked.</summary>
public class NonFiniteEventTests
{
    static readonly DataCursor At8 = new() { Epoch = 0, Position = 8 }, At12 = new() { Epoch = 0, Position = 12 };

    static StepSkipped Skip(long step) => new() { Step = step, Loss = double.NaN, GradNorm = double.NaN, From = At8, Cursor = At12 };

    static RunState Trained(int steps) => RunState.Fold([new RunCreated { RunId = "r-1" },
        .. Enumerable.Range(1, steps).Select(s => (object)RunTestJournal.Step(s)),
        new CheckpointCommitted { Step = 2, ContentHash = "c2", Path = "/p", Bytes = 9 }]);

    [Fact]
    public void Both_events_round_trip_through_the_journal_serializer_and_the_snapshot()
    {
        var rolledBack = new RolledBack { FailedStep = 4, Loss = double.PositiveInfinity, ToStep = 2, CheckpointHash = "c2", Tokens = 2048, AtUnixMs = 7 };
        foreach (var e in new object[] { Skip(4), rolledBack })
        {
            Assert.Equal("stlm.run." + e.GetType().Name, RunEventSerializer.ManifestFor(e));
            Assert.Equal(e, RunEventSerializer.Read(RunEventSerializer.Write(e), RunEventSerializer.ManifestFor(e)));
        }

        var state = RunState.Fold([Skip(4), rolledBack], Trained(3));
        var snapshot = (RunSnapshot)RunEventSerializer.Read(RunEventSerializer.Write(state.ToSnapshot()), "stlm.run.RunSnapshot");
        Assert.Equal(state, RunState.FromSnapshot(snapshot));
        Assert.Single(RunState.FromSnapshot(snapshot).Skips);
        Assert.Single(RunState.FromSnapshot(snapshot).Rollbacks);
    }

    [Fact]
    public void A_skip_uses_no_step_and_a_rollback_forgets_the_steps_after_its_checkpoint()
    {
        var skipped = RunState.Apply(Trained(3), Skip(4));
        Assert.Equal(3, skipped.Step);

        var rolledBack = RunState.Apply(skipped, new RolledBack { FailedStep = 4, ToStep = 2, CheckpointHash = "c2", Tokens = 2048 });
        Assert.Equal(2, rolledBack.Step);
        Assert.Equal(2048, rolledBack.Tokens);
        Assert.Equal(2, rolledBack.Losses.Count);
        Assert.Null(rolledBack.LossAt(3));
        Assert.Equal(4, RunState.Apply(RunState.Apply(rolledBack, RunTestJournal.Step(3)), RunTestJournal.Step(4)).Step);
    }

    [Fact]
    public void A_rerun_skip_of_the_same_batch_is_rechecked_and_one_where_the_journal_has_a_loss_is_refused()
    {
        var state = RunState.Apply(Trained(3), Skip(4));
        Assert.True(RunRules.Skip(state, 3, Skip(4)).Rechecked);
        Assert.NotNull(RunRules.Skip(Trained(4), 3, Skip(4)).Rejection);
        Assert.Contains("not deterministic", RunRules.Skip(Trained(4), 3, Skip(4)).Rejection);
        Assert.IsType<StepSkipped>(RunRules.Skip(Trained(3), 3, Skip(4)).Event);
    }

    [Fact]
    public void A_rollback_goes_only_to_a_committed_checkpoint_and_recounts_the_tokens()
    {
        var state = Trained(3);
        var decision = RunRules.RollBack(state, 3, new RollBack(4, double.NaN, 2, "c2"));
        var e = Assert.IsType<RolledBack>(decision.Event);
        Assert.Equal(state.Tokens - 1024, e.Tokens);
        Assert.Equal("run r-1 cannot roll back to step 1: it has no committed checkpoint c9 there",
            RunRules.RollBack(state, 3, new RollBack(4, double.NaN, 1, "c9")).Rejection);
        Assert.IsType<RolledBack>(RunRules.RollBack(state, 3, new RollBack(4, double.NaN, 0, "")).Event);
    }
}
