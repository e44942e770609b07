using Akka.Actor;
using Stlm.Actors.Cluster;
using Stlm.Model.LibTorch;

namespace Stlm.Tests.Actors.Cluster;

public sealed class TrainerSlotsTests : Akka.TestKit.Xunit2.TestKit
{
    static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_trainer_node_takes_as_many_runs_as_it_has_slots_and_a_slot_frees_when_its_run_stops()
    {
        var slots = Sys.ActorOf(TrainerSlots.Props(1));
        var (first, second) = (CreateTestProbe(), CreateTestProbe());

        // Asked with Ask, as the entities ask: the slot is held by the entity named, not by the Ask's temporary sender.
        Assert.True((await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-1", first.Ref), Wait)).Granted);
        Assert.Equal(new TrainerSlots.Grant(false), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-2", second.Ref), Wait));
        Assert.True((await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-1", first.Ref), Wait)).Granted); // asking again keeps it
        Assert.Equal(new FreeSlots(0, ["r-1"]), await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait), FreeSlotsEqual);

        Sys.Stop(first.Ref); // a run's entity that stops without releasing (it failed) gives its slot back
        await AwaitAssertAsync(async () => Assert.True((await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-2", second.Ref), Wait)).Granted));

        slots.Tell(new TrainerSlots.Release("r-2"));
        Assert.Equal(new FreeSlots(1, []), await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait), FreeSlotsEqual);
    }

    [Fact]
    public async Task A_gpu_node_gives_each_run_a_device_of_its_own_and_takes_no_cpu_run()
    {
        var slots = Sys.ActorOf(TrainerSlots.Props(2, gpus: true));
        var (first, second, third) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());

        Assert.Equal(new TrainerSlots.Grant(true, Device.Cuda(0)), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-1", first.Ref, Gpu: true), Wait));
        Assert.Equal(new TrainerSlots.Grant(true, Device.Cuda(1)), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-2 rank 1", second.Ref, Gpu: true), Wait));
        Assert.Equal(new TrainerSlots.Grant(true, Device.Cuda(1)), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-2 rank 1", second.Ref, Gpu: true), Wait));
        Assert.Equal(new TrainerSlots.Grant(false), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-3", third.Ref, Gpu: true), Wait));
        var free = await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait);
        Assert.True(free is { Free: 0, Gpus: true });
        Assert.Equal(0, free.FreeFor(gpu: false));

        // The lowest free device goes to the next run: cuda:0 once r-1 is done.
        slots.Tell(new TrainerSlots.Release("r-1"));
        Assert.Equal(new TrainerSlots.Grant(true, Device.Cuda(0)), await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-3", third.Ref, Gpu: true), Wait));

        slots.Tell(new TrainerSlots.Release("r-3"));
        var cpuRun = await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-cpu", third.Ref), Wait);
        Assert.False(cpuRun.Granted);
        Assert.Equal("this node's slots are its 2 GPU(s) (cluster.gpus) and r-cpu trains on the CPU", cpuRun.Why);
    }

    [Fact]
    public async Task A_cpu_node_refuses_a_gpu_run_with_the_reason()
    {
        var slots = Sys.ActorOf(TrainerSlots.Props(1));
        var grant = await slots.Ask<TrainerSlots.Grant>(new TrainerSlots.Take("r-gpu", CreateTestProbe().Ref, Gpu: true), Wait);
        Assert.False(grant.Granted);
        Assert.Equal("r-gpu trains on a GPU and this node has none (cluster.gpus = 0)", grant.Why);
        Assert.Equal(1, (await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait)).FreeFor(gpu: false));
    }

    static readonly IEqualityComparer<FreeSlots> FreeSlotsEqual =
        EqualityComparer<FreeSlots>.Create((a, b) => a!.Free == b!.Free && a.Training.SequenceEqual(b.Training));
}
