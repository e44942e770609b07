using Stlm.Actors.Configuration;
using Stlm.Actors.Training.DataParallel;
using Stlm.Actors.Training.Leases;
using Stlm.Actors.Training.Run;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

/// <summary>How a session is run: where runs are kept, who hears its events, and test hooks.</summary>
public sealed record TrainingSessionOptions(TrainingStores Stores)
{
    /// <summary>Called for every <see cref="SessionEvent"/>, one at a time on an actor thread: keep it quick.</summary>
    public Action<SessionEvent>? Observer { get; init; }

    /// <summary>Who holds the lease (default: this process with a fresh instance id).</summary>
    public LeaseOwner? Owner { get; init; }

    /// <summary>Fault injection for tests: runs on the trainer thread before each step's forward pass.</summary>
    public Action<long, ILanguageModel>? BeforeStep { get; init; }

    /// <summary>How checkpoints are written (its Fault hook lets tests stall or break a write).</summary>
    public Model.Checkpoints.CheckpointWriteOptions? CheckpointWrite { get; init; }

    /// <summary>Cancels the preparation (corpus, tokenizer) before training starts.</summary>
    public CancellationToken Cancel { get; init; }

    /// <summary>
    /// The data folder of this process (stlm.data-dir). A resumed or forked run whose journaled
    /// config names another one (the folder was moved or copied) is trained here: its config is
    /// relocated and its checkpoints are found here (<see cref="DataFolderPaths"/>). Null: the
    /// new run's config's, or the journaled run's own.
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary>
    /// Where this process holds a committed checkpoint that is not at the path the journal names
    /// (a trainer node's cache of copies fetched from other nodes, when nodes share no folder):
    /// given its hash and that path as resolved here, a folder holding it, or null. Null: the
    /// journaled path only. The copy is verified against the hash before anything trains, as always.
    /// </summary>
    public Func<string, string, string?>? CheckpointCopy { get; init; }

    /// <summary>Marks the phases of the start up to the first step (`stlm bench orchestration` prints them).</summary>
    public StartupTimeline? Timeline { get; init; }

    /// <summary>
    /// Starts ranks 1.. of a data-parallel run (training.data-parallel.world-size &gt; 1); this
    /// process is rank 0, the one that journals. Null: runs train in one process only.
    /// </summary>
    public RankLauncher? LaunchRanks { get; init; }

    /// <summary>
    /// Where the other ranks reach rank 0's TCP store (this process): loopback when they run on
    /// this machine; on the cluster, this trainer node's cluster host name.
    /// </summary>
    public string RendezvousHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// A trainer node: each checkpoint's evaluations are journaled as owed for the cluster's
    /// evaluators (<see cref="TrainerSetup.EvaluatesOnCluster"/>) and <see cref="RecordEvalAsync"/> journals their results.
    /// </summary>
    public bool EvaluatesOnCluster { get; init; }

    /// <summary>
    /// The GPU this process trains a GPU run on, in place of torch.device's (a GPU trainer node's
    /// slot, <see cref="Cluster.TrainerSlots"/>); not journaled, as which of like devices a run uses
    /// does not change its numbers. Null: torch.device as configured.
    /// </summary>
    public Model.LibTorch.Device? Device { get; init; }

    /// <summary>The ranks asked for (--nproc), checked against the run's world size; null: as many as it has.</summary>
    public int? Processes { get; init; }

    internal void CheckRanks(Config config, string? resuming = null) =>
        RunCreation.CheckRanks(config, LaunchRanks is not null, Processes, resuming);
}
