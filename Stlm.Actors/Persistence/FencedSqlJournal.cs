using System.Collections.Concurrent;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;
using Stlm.Model.Faults;

namespace Stlm.Actors.Persistence;

/// <summary>
/// A write guard one process registers for a persistence id (a training session's lease on its
/// run): while it says no, nothing more is journaled under that id.
/// </summary>
public interface IWriteFence
{
    /// <summary>
    /// Admits one batch of writes: a pass the writer disposes once the batch committed or failed, or
    /// null (for good) once this process may no longer write. Passes out keep the right from being let go.
    /// </summary>
    Task<IDisposable?> AdmitAsync(CancellationToken ct = default);

    /// <summary>Why writes are refused (one line), or null while they are not.</summary>
    string? LostReason { get; }
}

/// <summary>A write refused by an <see cref="IWriteFence"/>; the persistent actor that wrote stops (Akka's persist failure).</summary>
public sealed class WriteFencedException(string reason) : Stlm.Model.StlmException(reason);

/// <summary>The fences registered in one actor system, by persistence id (an Akka extension).</summary>
public sealed class WriteFences : IExtension
{
    readonly ConcurrentDictionary<string, IWriteFence> _byPersistenceId = new(StringComparer.Ordinal);

    public static WriteFences Get(ActorSystem system) => system.WithExtension<WriteFences, WriteFencesProvider>();

    /// <summary>From now on every write under <paramref name="persistenceId"/> passes <paramref name="fence"/> first.</summary>
    public void Register(string persistenceId, IWriteFence fence) => _byPersistenceId[persistenceId] = fence;

    public IWriteFence? For(string persistenceId) => _byPersistenceId.GetValueOrDefault(persistenceId);
}

public sealed class WriteFencesProvider : ExtensionIdProvider<WriteFences>
{
    public override WriteFences CreateExtension(ExtendedActorSystem system) => new();
}

/// <summary>
/// Akka.Persistence.Sql's journal with two things in front of every batch of writes: the
/// persistence id's <see cref="IWriteFence"/> (a session whose lease was taken over journals
/// nothing more: the batch fails, so the writing actor stops; an admitted batch holds its pass
/// until the database answered, so a session lets its lease go only after its last write
/// landed), and the crash-test hook <c>journal:before-commit</c> (<see cref="FaultPoint"/>): a batch is on its way to the
/// database and none of it committed. Both run on the journal actor's thread, before the
/// batch is handed to the DAO: the DAO's bookkeeping needs the actor's context, so the fence's
/// one small query is awaited there (it guards a batch, not an event).
/// </summary>
public sealed class FencedSqlJournal(Akka.Configuration.Config journalConfig) : SqlWriteJournal(journalConfig)
{
    readonly WriteFences _fences = WriteFences.Get(Context.System);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages as IReadOnlyList<AtomicWrite> ?? messages.ToList();
        if (writes.Count == 0 || _fences.For(writes[0].PersistenceId) is not { } fence) return Write(writes, cancellationToken);
        var pass = fence.AdmitAsync(cancellationToken).GetAwaiter().GetResult();
        if (pass is null)
            return Task.FromException<IImmutableList<Exception>>(new WriteFencedException(fence.LostReason ?? "this process may no longer write the run"));
        Task<IImmutableList<Exception>> written;
        try
        {
            written = Write(writes, cancellationToken);
        }
        catch
        {
            pass.Dispose();
            throw;
        }
        // The pass is held until the database has answered, whatever becomes of this actor meanwhile.
        written.ContinueWith(_ => pass.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return written;
    }

    Task<IImmutableList<Exception>> Write(IReadOnlyList<AtomicWrite> writes, CancellationToken ct)
    {
        if (FaultPoint.Armed) FaultPoint.Reach(FaultPoint.JournalBeforeCommit);
        return base.WriteMessagesAsync(writes, ct);
    }
}
