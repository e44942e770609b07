using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Session;

[Collection(nameof(TorchGlobalState))]
public class SessionLeaseFencingTests(SessionCorpus corpus) : IClassFixture<SessionCorpus>
{
    /// <summary>Another machine's view of time: far enough ahead that this session's 30 s lease has expired.</summary>
    sealed class AheadClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + ahead;
    }

    [Fact]
    public async Task A_session_whose_lease_is_taken_over_journals_nothing_more_and_the_new_holder_ends_as_an_uninterrupted_run()
    {
        await using var rig = new SessionRig(corpus);
        Assert.Equal(SessionEnd.Completed, (await SessionRig.Finish(await TrainingSession.StartNew("whole", rig.Config(), rig.Options()))).End);

        await using var other = rig.OpenAsAnotherProcess(new AheadClock(TimeSpan.FromMinutes(1)));
        var taker = LeaseOwner.ThisProcess();
        var persistenceId = RunIds.PersistenceId("taken");
        long journaledBefore = -1;
        // Before step 5 the session "stalls": once steps 1..4 and the checkpoint of step 3 are journaled,
        // another process, whose clock says the lease has expired, takes it over.
        var stalled = await TrainingSession.StartNew("taken", rig.Config(), rig.Options((n, _) =>
        {
            if (n != 5) return;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (rig.ReadAsync("taken").GetAwaiter().GetResult() is var s && (s.Step < 4 || s.LatestCheckpoint()?.Step != 3))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException("steps 1..4 were not journaled");
                Thread.Sleep(20);
            }
            other.Leases!.AcquireAsync("taken", taker, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            journaledBefore = rig.Stores.Query.HighestSequenceNrAsync(persistenceId).GetAwaiter().GetResult();
        }));
        var outcome = await SessionRig.Finish(stalled);

        Assert.Equal(SessionEnd.Failed, outcome.End);
        Assert.Contains("lease", outcome.Reason);
        Assert.Equal(journaledBefore, await rig.Stores.Query.HighestSequenceNrAsync(persistenceId));
        var left = await rig.ReadAsync("taken");
        Assert.Equal((RunStatus.Running, 4L), (left.Status, left.Step));
        Assert.Equal([3L], left.LiveCheckpoints.Select(c => c.Step));
        Assert.Equal(taker.Instance, (await rig.Stores.Leases!.CurrentAsync("taken"))?.Owner.Instance); // the stalled session did not release it

        var resumed = await SessionRig.Finish(await TrainingSession.Resume("taken", new TrainingSessionOptions(other) { Owner = taker }));
        Assert.Equal(SessionEnd.Completed, resumed.End);
        var (whole, taken) = (await rig.ReadAsync("whole"), await rig.ReadAsync("taken"));
        Assert.Equal(RunStatus.Completed, taken.Status);
        Assert.Equal(whole.Losses.Select(BitConverter.DoubleToInt64Bits), taken.Losses.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(await rig.FinalStateBytes("whole"), await rig.FinalStateBytes("taken"));
    }
}
