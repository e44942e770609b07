using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;
using Stlm.Actors.Runtime;

namespace Stlm.Tests.Actors.Persistence;

public class ReceivePersistentActorTests : ActorTest
{
    public sealed record Append(string Text);
    public sealed record Appended(string Text);
    public sealed record Read;

    sealed class Log : ReceivePersistentActor
    {
        readonly List<string> _lines = [];
        public override string PersistenceId => "log-1";

        public Log(IActorRef probe)
        {
            Recover<Appended>(e => _lines.Add(e.Text));
            Recover<RecoveryCompleted>(_ => probe.Tell($"recovered {_lines.Count}", Self));
            Command<Append>(c => c.Text.Length > 0, c => Persist(new Tagged(new Appended(c.Text), ["log"]), _ =>
            {
                _lines.Add(c.Text);
                Sender.Tell(_lines.Count);
            }));
            Command<Read>(_ => Sender.Tell(string.Join(",", _lines)));
        }
    }

    [Fact]
    public async Task Typed_handlers_persist_tagged_events_and_recover_them()
    {
        var journal = new InMemoryJournal();
        System.UsePersistence(journal, new InMemorySnapshotStore());
        var probe = CreateProbe();
        var log = System.ActorOf(Props.Create(() => new Log(probe.Ref)));
        Assert.Equal("recovered 0", await probe.ExpectMsg<string>());

        Assert.Equal(1, await log.Ask<int>(new Append("a"), TimeSpan.FromSeconds(5)));
        Assert.Equal(2, await log.Ask<int>(new Append("b"), TimeSpan.FromSeconds(5)));
        var watcher = CreateProbe();
        await watcher.Watch(log);
        System.Stop(log);
        await watcher.ExpectMsg<Terminated>();

        var again = System.ActorOf(Props.Create(() => new Log(probe.Ref)));
        Assert.Equal("recovered 2", await probe.ExpectMsg<string>());
        Assert.Equal("a,b", await again.Ask<string>(new Read(), TimeSpan.FromSeconds(5)));
        var tags = new List<IReadOnlyCollection<string>>();
        await journal.ReplayMessagesAsync("log-1", 1, long.MaxValue, long.MaxValue, p => tags.Add(p.Tags));
        Assert.All(tags, t => Assert.Equal(["log"], t));
    }
}
