using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;

namespace Stlm.Tests.Persistence;

/// <summary>The in-memory stores pass the same conformance suites as the SQL engines.</summary>
public sealed class InMemoryJournalTests : JournalSpec
{
    protected override Task<IJournal> CreateJournalAsync(IPayloadSerializer serializer) =>
        Task.FromResult<IJournal>(new InMemoryJournal(serializer));
}

public sealed class InMemorySnapshotStoreTests : SnapshotStoreSpec
{
    protected override Task<ISnapshotStore> CreateStoreAsync(IPayloadSerializer serializer) =>
        Task.FromResult<ISnapshotStore>(new InMemorySnapshotStore(serializer));
}
