using Akka.Actor;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;
using Stlm.Tests.Actors.Training.Run;
using static Stlm.Tests.Actors.Training.Run.RunTestJournal;

namespace Stlm.Tests.Actors.Training.Session;

public sealed class ForkPointsTests : IAsyncLifetime
{
    readonly RunTestJournal _journal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    [Fact]
    public async Task A_run_s_fork_points_include_forks_made_after_an_earlier_read_and_only_its_own()
    {
        var system = _journal.StartSystem();
        IActorRef Spawn(string id) => system.ActorOf(RunActor.Props(id, snapshotEvery: 100), "run-" + id);
        var b = Spawn("base");
        await Ask(b, Create("base"));
        await Steps(b, 1, 2);
        await Ask(b, new CommitCheckpoint(2, "b2", "/ck/b2", 10));
        await Steps(b, 3, 4);
        var parent = await Ask(b, new CommitCheckpoint(4, "b4", "/ck/b4", 10));
        var v = Spawn("variant");
        await Ask(v, Create("variant", new ForkFrom(parent, 2, [])));
        await Steps(v, 3, 3);
        var variant = await Ask(v, new CommitCheckpoint(3, "v3", "/ck/v3", 10));
        await Ask(Spawn("plain"), Create("plain"));

        var forks = new ForkPoints(_journal.OpenStoreQuery(), "base");
        Assert.Equal(["b2"], await forks.ReadAsync());

        await Ask(Spawn("later"), Create("later", new ForkFrom(parent, 4, [])));
        await Ask(Spawn("grandchild"), Create("grandchild", new ForkFrom(variant, 3, [])));   // a fork of the fork: not base's
        Assert.Equal(["b2", "b4"], (await forks.ReadAsync()).Order());
        await StopAsync(system);
    }
}
