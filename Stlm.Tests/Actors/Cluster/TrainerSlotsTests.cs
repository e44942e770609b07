using Akka.Actor;
using Stlm.Actors.Cluster;

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
        Assert.True(await slots.Ask<bool>(new TrainerSlots.Take("r-1", first.Ref), Wait));
        Assert.False(await slots.Ask<bool>(new TrainerSlots.Take("r-2", second.Ref), Wait));
        Assert.True(await slots.Ask<bool>(new TrainerSlots.Take("r-1", first.Ref), Wait)); // asking again keeps it
        Assert.Equal(new FreeSlots(0, ["r-1"]), await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait), FreeSlotsEqual);

        Sys.Stop(first.Ref); // a run's entity that stops without releasing (it failed) gives its slot back
        await AwaitAssertAsync(async () => Assert.True(await slots.Ask<bool>(new TrainerSlots.Take("r-2", second.Ref), Wait)));

        slots.Tell(new TrainerSlots.Release("r-2"));
        Assert.Equal(new FreeSlots(1, []), await slots.Ask<FreeSlots>(GetFreeSlots.Instance, Wait), FreeSlotsEqual);
    }

    static readonly IEqualityComparer<FreeSlots> FreeSlotsEqual =
        EqualityComparer<FreeSlots>.Create((a, b) => a!.Free == b!.Free && a.Training.SequenceEqual(b.Training));
}
