using Stlm.Actors.Persistence;
using Stlm.Actors.Persistence.InMemory;
using Stlm.Actors.Persistence.Query;
using Stlm.Actors.Persistence.Serialization;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Leases;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// Where sessions keep runs: the journal and snapshot store, and (on SQL) the leases and a read
/// journal (to find fork points, which retention keeps). Any journal works; in memory there are
/// no leases, since nothing outside the process can see the run.
/// <code>
/// await using var stores = TrainingStores.Open(DataPaths.From(config).Journal);  // SQLite by default
/// await using var memory = TrainingStores.InMemory();                            // tests
/// </code>
/// </summary>
public sealed class TrainingStores(IJournal journal, ISnapshotStore snapshots, RunLeaseStore? leases = null, IReadJournal? query = null,
    IAsyncDisposable? owned = null) : IAsyncDisposable
{
    public IJournal Journal { get; } = journal;
    public ISnapshotStore Snapshots { get; } = snapshots;
    public RunLeaseStore? Leases { get; } = leases;
    public IReadJournal? Query { get; } = query;

    /// <summary>A SQL journal (SQLite or PostgreSQL) with its leases and queries.</summary>
    public static TrainingStores Open(JournalLocation location)
    {
        var store = SqlPersistence.Open(location, StlmSerializers.Default);
        return new TrainingStores(store.Journal, store.Snapshots, new RunLeaseStore(store.Dialect), store.Query, store);
    }

    /// <summary>An in-memory journal (events still go through their serializers, as on disk).</summary>
    public static TrainingStores InMemory() =>
        new(new InMemoryJournal(StlmSerializers.Default), new InMemorySnapshotStore(StlmSerializers.Default));

    /// <summary>Hashes of the checkpoints of <paramref name="runId"/> that other runs were forked from.</summary>
    public async Task<IReadOnlySet<string>> ForkPointsOfAsync(string runId, CancellationToken ct = default)
    {
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        if (Query is null) return hashes;
        await foreach (var id in Query.CurrentPersistenceIds(ct))
        {
            if (Run.RunIds.FromPersistenceId(id) is null) continue;
            await foreach (var first in Query.CurrentEventsByPersistenceId(id, 1, 1, ct))
                if (first.Event is Run.RunCreated { Fork: { } fork } && fork.ParentRunId == runId)
                    hashes.Add(fork.ParentCheckpointHash);
        }
        return hashes;
    }

    public async ValueTask DisposeAsync()
    {
        if (owned is not null) await owned.DisposeAsync();
    }
}
