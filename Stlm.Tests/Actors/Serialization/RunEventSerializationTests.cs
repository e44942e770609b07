using Stlm.Actors.Serialization;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Actors.Training.Run;

namespace Stlm.Tests.Actors.Serialization;

public class RunEventSerializationTests
{
    public static TheoryData<object> Events() =>
    [
        new RunCreated { RunId = "r-1", ConfigHocon = "a = 1", ConfigHash = "h", Seed = 7, CodeVersion = "v", CreatedUnixMs = 5,
            Fork = new ForkOrigin { ParentRunId = "r-0", ForkStep = 10, ParentCheckpointHash = "c", Overrides = { "a=2" } } },
        RunTestJournal.Step(3),
        new CheckpointCommitted { Step = 3, ContentHash = "c3", Path = "/p", Bytes = 9 },
        new CheckpointDeleted { ContentHash = "c3", Reason = "keep-last" },
        new EvalCompleted { Step = 3, Task = "validation", Metrics = { new Metric { Name = "bpb", Value = 1.5 } } },
        new ScheduleOverridden { What = "lr", FromStep = 4, Value = "3e-4" },
        new Paused { Step = 3, Reason = "operator", AtUnixMs = 1 },
        new Resumed { CheckpointHash = "c3", Step = 3, Node = "n", ProcessId = 4123, AtUnixMs = 2 },
        new Failed { Step = 3, Reason = "nan", AtUnixMs = 3 },
        new Completed { Step = 3, AtUnixMs = 4 },
        new Interrupted { Step = 3, Reason = "rank 1 (pid 7) was killed by signal 9 (SIGKILL)", AtUnixMs = 5 },
    ];

    [Theory]
    [MemberData(nameof(Events), DisableDiscoveryEnumeration = true)]   // protobuf messages are not xunit-serializable
    public void Every_run_event_round_trips_through_the_journal_serializer_under_its_proto_name(object e)
    {
        Assert.Equal("stlm.run." + e.GetType().Name, RunEventSerializer.ManifestFor(e));
        Assert.Equal(e, RunEventSerializer.Read(RunEventSerializer.Write(e), RunEventSerializer.ManifestFor(e)));
    }

    [Fact]
    public void A_state_round_trips_through_its_snapshot()
    {
        var created = new RunCreated { RunId = "r-1", Fork = new ForkOrigin { ParentRunId = "r-0", ForkStep = 10, ParentCheckpointHash = "c" } };
        var state = RunState.Fold([created, RunTestJournal.Step(11), RunTestJournal.Step(12),
            new CheckpointCommitted { Step = 12, ContentHash = "c12", Path = "/p", Bytes = 9 },
            new EvalCompleted { Step = 12, Task = "validation", Metrics = { new Metric { Name = "bpb", Value = 1.5 } } },
            new ScheduleOverridden { What = "lr", FromStep = 13, Value = "3e-4" }, new Paused { Step = 12, Reason = "operator" }]);
        var snapshot = (RunSnapshot)RunEventSerializer.Read(RunEventSerializer.Write(state.ToSnapshot()), "stlm.run.RunSnapshot");
        Assert.Equal(state, RunState.FromSnapshot(snapshot));
        Assert.Equal(11, state.FirstStep);
        Assert.Equal(RunTestJournal.Step(11).Loss, state.LossAt(11));
    }
}
