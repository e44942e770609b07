using Akka.Actor;
using Akka.Cluster;
using Stlm.Actors.Persistence;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Views;
using Stlm.Model;

namespace Stlm.Actors.Cluster.Transfer;

/// <summary>
/// The committed checkpoint a resume of <paramref name="RunId"/> starts from (<see cref="RunRules.ResumePoint"/>:
/// its newest, or a fork's parent's): its content hash, step, the path the journal names (what
/// other nodes are asked for: each resolves it in its own data folder), and that path resolved in
/// this node's data folder, as <see cref="Training.Session.TrainingSession.Resume"/> resolves it.
/// </summary>
public sealed record StartCheckpoint(string RunId, string Hash, long Step, string JournalPath, string Path)
{
    /// <summary>Null when the run starts from its initial weights (no checkpoint to load).</summary>
    public static async Task<StartCheckpoint?> OfAsync(RunState run, string dataDir, JournalStore journal, CancellationToken ct = default)
    {
        var (hash, _) = RunRules.ResumePoint(run, null);
        if (hash.Length == 0) return null;
        // A fork's start is its parent's checkpoint, as its parent's journal names it (a parent without it is the session's error to report).
        var owner = run.CheckpointByHash(hash) is null ? await new RunJournalReader(journal.Query).LoadAsync(run.Fork!.ParentRunId, ct) : run;
        return owner.Checkpoints.LastOrDefault(c => c.Hash == hash) is { } checkpoint
            ? new StartCheckpoint(run.RunId, hash, checkpoint.Step, checkpoint.Path,
                new DataFolderPaths(dataDir).Resolve(checkpoint.Path, DataFolderPaths.JournaledDataDir(owner)))
            : null;
    }
}

/// <summary>
/// The checkpoints a trainer node loads when the nodes share no checkpoint folder: before a
/// run's session (or a rank of it) starts here from a committed checkpoint, the checkpoint is made
/// local — found on this node (at its journaled path, or a copy in the node's cache) or fetched
/// (<see cref="CheckpointFetcher"/>: SHA-256 against the journal's hash, bounded memory) from the
/// members that are up, the one known to hold it first. A checkpoint that no live node holds is
/// reported, never replaced by another one.
/// </summary>
public sealed class CheckpointCopies(ActorSystem system, CheckpointCatalog catalog, TransferSettings? settings = null)
{
    public CheckpointCatalog Catalog => catalog;

    /// <summary>The local folder of the checkpoint (its journaled path first, then this node's copies), or null: <see cref="Training.Session.TrainingSessionOptions.CheckpointCopy"/>.</summary>
    public string? Find(string hash, string path) => catalog.Find(hash, path);

    /// <summary>
    /// Null once the checkpoint is on this node (it was, or it has been fetched and verified);
    /// otherwise why it is not: one line naming each node asked and its answer.
    /// </summary>
    /// <param name="path">where this node looks first: the journaled path resolved here</param>
    /// <param name="journalPath">the path as the journal names it: what the other nodes are asked for</param>
    /// <param name="holder">a member known to hold it (rank 0's node, for a rank), asked first</param>
    public async Task<string?> WhyNotHereAsync(string hash, string path, string journalPath, Address? holder = null, CancellationToken ct = default)
    {
        if (Find(hash, path) is not null) return null;
        try
        {
            await new CheckpointFetcher(catalog, settings).FetchAsync(hash, journalPath, Sources(holder), ct);
            return null;
        }
        catch (StlmException e)
        {
            return e.Message;
        }
    }

    /// <summary>Every other member that is up and reachable, <paramref name="holder"/> first.</summary>
    List<ICanTell> Sources(Address? holder)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        return [.. cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.Address != cluster.SelfAddress && !cluster.State.Unreachable.Contains(m))
            .Select(m => m.Address)
            .OrderBy(a => a == holder ? 0 : 1)
            .Select(a => (ICanTell)CheckpointSourceActor.At(system, a))];
    }
}
