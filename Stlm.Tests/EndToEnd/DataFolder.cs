using Stlm.Actors.Persistence;
using System.Security.Cryptography;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;

namespace Stlm.Tests.EndToEnd;

/// <summary>
/// A data folder the guarantee tests give to `stlm` children (STLM_DATA_DIR), read back from
/// the test: a run's state and events from the SQLite journal, its checkpoints' files, and a
/// fingerprint of everything stored (every journaled event, every checkpoint file) to show
/// that a refused command lost or changed nothing.
/// </summary>
sealed class DataFolder : IDisposable
{
    public DataFolder(string? path = null)
    {
        Path = path ?? System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stlm-guarantee-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Journal => System.IO.Path.Combine(Path, "journal.db");

    public string Checkpoints => System.IO.Path.Combine(Path, "checkpoints");

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["STLM_DATA_DIR"] = Path };

    public IReadOnlyDictionary<string, string> WithFault(string point) =>
        new Dictionary<string, string> { ["STLM_DATA_DIR"] = Path, ["STLM_FAULT"] = point };

    JournalStore Open() => JournalStore.Open(new JournalLocation("sqlite", Journal));

    /// <summary>The run, its checkpoint paths resolved in this folder (the journal keeps them relative to it).</summary>
    public RunState Run(string runId) => new DataFolderPaths(Path).Resolved(JournaledRun(runId));

    /// <summary>The run exactly as journaled.</summary>
    public RunState JournaledRun(string runId) => Read(store => new RunJournalReader(store.Query).LoadAsync(runId));

    /// <summary>The run's StepCompleted events in journal order (a re-run after a rollback appears again).</summary>
    public IReadOnlyList<StepCompleted> Steps(string runId) => Read(async store =>
    {
        var steps = new List<StepCompleted>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId)))
            if (e.Event is StepCompleted s) steps.Add(s);
        return (IReadOnlyList<StepCompleted>)steps;
    });

    /// <summary>Every event of the run, as type names in journal order.</summary>
    public IReadOnlyList<object> Events(string runId) => Read(async store =>
    {
        var events = new List<object>();
        await foreach (var e in store.Query.CurrentEventsByPersistenceId(RunIds.PersistenceId(runId)))
            events.Add(e.Event);
        return (IReadOnlyList<object>)events;
    });

    /// <summary>
    /// Checks that the SIGKILLed child is gone. Its lease (or an earlier dead holder's) stays
    /// unexpired: the resume that follows must take it over because the holder process is gone.
    /// </summary>
    public void ExpectLeaseLeftBy(string runId, StlmChild dead) =>
        Assert.True(dead.HasExited, $"pid {dead.Pid} of run {runId} still runs");

    /// <summary>The SHA-256 of a committed checkpoint's file, as its manifest lists it (verified first).</summary>
    public static string FileHash(Stlm.Actors.Training.Run.Checkpoint checkpoint, string file) =>
        Stlm.Model.Checkpoints.Checkpoint.Open(checkpoint.Path, checkpoint.Hash).Manifest.Files.Single(f => f.Name == file).Sha256;

    /// <summary>
    /// Everything stored, one line each: every journaled event (persistence id, sequence number,
    /// content) and every checkpoint file (path, SHA-256) — not the temp folders an interrupted
    /// write leaves, which any command may clean up. Equal inventories: nothing lost or changed.
    /// </summary>
    public IReadOnlyList<string> Inventory()
    {
        var lines = new List<string>();
        if (File.Exists(Journal))
            lines.AddRange(Read(async store =>
            {
                var events = new List<string>();
                await foreach (var id in store.Query.CurrentPersistenceIds())
                    await foreach (var e in store.Query.CurrentEventsByPersistenceId(id))
                        events.Add($"{e.PersistenceId} {e.SequenceNr} {e.Event.GetType().Name} {e.Event}");
                return events;
            }));
        if (Directory.Exists(Checkpoints))
            foreach (var file in Directory.GetFiles(Checkpoints, "*", SearchOption.AllDirectories))
            {
                var relative = System.IO.Path.GetRelativePath(Checkpoints, file);
                if (!relative.Contains(Stlm.Model.Checkpoints.CheckpointNames.TempPrefix))
                    lines.Add($"{relative} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))}");
            }
        return [.. lines.Order(StringComparer.Ordinal)];
    }

    T Read<T>(Func<JournalStore, Task<T>> read)
    {
        var store = Open();
        try
        {
            return read(store).GetAwaiter().GetResult();
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// A copy of this folder (journal, checkpoints, corpus), for a test that damages it. The journal is
    /// copied with SQLite's backup: a connection of this process still in a pool may close meanwhile,
    /// fold journal.db-wal into journal.db and delete it, so a file-by-file copy could miss both.
    /// </summary>
    public DataFolder CopyTo(DataFolder target)
    {
        foreach (var dir in Directory.GetDirectories(Path, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(Path, target.Path));
        foreach (var file in Directory.GetFiles(Path, "*", SearchOption.AllDirectories))
        {
            if (file == Journal || file.StartsWith(Journal + "-", StringComparison.Ordinal)) continue;
            File.Copy(file, file.Replace(Path, target.Path), overwrite: true);
        }
        if (File.Exists(Journal))
        {
            using var from = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Journal};Pooling=False");
            using var to = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={target.Journal};Pooling=False");
            from.Open();
            from.BackupDatabase(to);
        }
        return target;
    }

    /// <summary>A copy of <paramref name="folder"/> of another data folder (e.g. its checkpoints) at the same place in this one.</summary>
    public void CopyFrom(DataFolder source, string folder)
    {
        var from = System.IO.Path.Combine(source.Path, folder);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(source.Path, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(source.Path, file)), overwrite: true);
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
