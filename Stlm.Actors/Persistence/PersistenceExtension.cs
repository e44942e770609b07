using Stlm.Actors.Runtime;

namespace Stlm.Actors.Persistence;

/// <summary>
/// The journal and snapshot store of an actor system (Akka's Persistence extension). The host
/// plugs them once at start-up: <c>system.UsePersistence(new SqliteJournal(...), new SqliteSnapshotStore(...))</c>.
/// A persistent actor may override its own Journal/SnapshotStore instead.
/// </summary>
public sealed class PersistenceExtension(IJournal journal, ISnapshotStore snapshotStore)
{
    public IJournal Journal { get; } = journal;
    public ISnapshotStore SnapshotStore { get; } = snapshotStore;

    public static PersistenceExtension Get(ActorSystem system) =>
        system.GetExtension<PersistenceExtension>()
        ?? throw new InvalidOperationException(
            $"actor system '{system.Name}' has no journal: call system.UsePersistence(journal, snapshotStore) before starting persistent actors");
}

public static class PersistenceSystemExtensions
{
    /// <summary>Plugs the journal and snapshot store; a second call with other stores is an error.</summary>
    public static PersistenceExtension UsePersistence(this ActorSystem system, IJournal journal, ISnapshotStore snapshotStore)
    {
        var wanted = new PersistenceExtension(journal, snapshotStore);
        var registered = system.RegisterExtension(wanted);
        if (!ReferenceEquals(registered, wanted) && (registered.Journal != journal || registered.SnapshotStore != snapshotStore))
            throw new InvalidOperationException($"actor system '{system.Name}' already has a journal and snapshot store");
        return registered;
    }
}
