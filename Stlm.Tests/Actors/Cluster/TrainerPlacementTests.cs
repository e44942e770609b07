using System.Collections.Immutable;
using Stlm.Actors.Cluster;

namespace Stlm.Tests.Actors.Cluster;

/// <summary>Where placement puts a run, and which waiting runs the rebalance moves, on nodes of both kinds.</summary>
public sealed class TrainerPlacementTests
{
    static TrainerPlacement.Candidate<string> Node(string name, int free, bool gpus, string[]? hosted = null, string[]? training = null) =>
        new(name, $"akka.tcp://stlm@{name}:4053", hosted ?? [], new FreeSlots(free, training ?? [], gpus));

    [Fact]
    public void A_gpu_run_goes_to_a_gpu_node_with_room_and_a_cpu_run_to_a_cpu_node_even_when_the_other_kind_has_more_room()
    {
        var nodes = new[] { Node("cpu-a", free: 1, gpus: false), Node("gpu-a", free: 4, gpus: true), Node("gpu-b", free: 2, gpus: true) };
        Assert.Equal("gpu-a", TrainerPlacement.Choose(gpu: true, nodes));
        Assert.Equal("cpu-a", TrainerPlacement.Choose(gpu: false, nodes));
    }

    [Fact]
    public void With_no_room_of_its_kind_a_run_waits_on_a_node_of_its_kind_rather_than_the_other()
    {
        var nodes = new[] { Node("a-cpu", free: 2, gpus: false), Node("b-gpu", free: 0, gpus: true, hosted: ["r-1"]), Node("c-gpu", free: 0, gpus: true, hosted: ["r-2", "r-3"]) };
        Assert.Equal("b-gpu", TrainerPlacement.Choose(gpu: true, nodes));   // of its kind, hosting fewest
        var unanswered = new TrainerPlacement.Candidate<string>("silent", "akka.tcp://stlm@silent:4053", [], null);
        Assert.Equal("b-gpu", TrainerPlacement.Choose(gpu: true, [unanswered, .. nodes]));
    }

    [Fact]
    public void The_rebalance_moves_waiting_runs_only_to_free_slots_of_their_kind_and_never_a_training_run()
    {
        var gpuRuns = new HashSet<string> { "g-wait-1", "g-wait-2", "g-train" };
        var nodes = new[]
        {
            Node("full-gpu", free: 0, gpus: true, hosted: ["g-train", "g-wait-1", "g-wait-2"], training: ["g-train"]),
            Node("full-cpu", free: 0, gpus: false, hosted: ["c-train", "c-wait"], training: ["c-train"]),
            Node("new-gpu", free: 1, gpus: true),
        };
        var moved = TrainerPlacement.ToMove(nodes, ImmutableHashSet<string>.Empty, gpuRuns.Contains).ToList();
        Assert.Equal(["g-wait-1"], moved);   // one free GPU; the CPU run has no CPU slot to go to

        var withCpuRoom = nodes.Append(Node("new-cpu", free: 3, gpus: false)).ToList();
        Assert.Equal(["c-wait", "g-wait-1"], TrainerPlacement.ToMove(withCpuRoom, ImmutableHashSet<string>.Empty, gpuRuns.Contains).ToList());
        Assert.Equal(["c-wait", "g-wait-2"], TrainerPlacement.ToMove(withCpuRoom, ["g-wait-1"], gpuRuns.Contains).ToList());
    }
}
