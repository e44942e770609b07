using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Checkpoints;

namespace Stlm.Actors.Training.Session;

/// <summary>What to do when a step's loss or gradient norm is NaN or infinite (training.on-non-finite).</summary>
public enum NonFinitePolicy { Stop, SkipBatch, Rollback }

/// <summary>
/// How a session drives its actors, read from a run's resolved configuration (hocon/reference.conf
/// documents each key): checkpoint cadence and retention, evaluation cadence, tasks and pool, prefetch
/// depth, how many steps may await their journal write, the non-finite policy and the lease.
/// </summary>
public sealed record SessionSettings(
    long CheckpointEvery,
    TimeSpan CheckpointEveryDuration,
    string CheckpointsRoot,
    RetentionPolicy Retention,
    EvalMetricName KeepBestMetric,
    int EvalEvery,
    int EvalBatches,
    int Evaluators,
    int EvaluatorThreads,
    IReadOnlyList<EvalTaskSpec> Tasks,
    int Prefetch,
    int MaxUnjournaledSteps,
    NonFinitePolicy OnNonFinite,
    double RollbackLrFactor,
    TimeSpan LeaseTtl,
    TimeSpan LeaseRenewEvery,
    int SnapshotEvery)
{
    public static SessionSettings From(Config config)
    {
        var keepLast = config.GetInt("checkpoint.keep-last");
        var tasks = EvalTaskSpec.ListFrom(config);
        var keepBestMetric = EvalMetricName.From(config, "checkpoint.keep-best-metric", tasks);
        var settings = new SessionSettings(
            CheckpointEvery: config.GetLong("checkpoint.every-steps"),
            CheckpointEveryDuration: config.GetDuration("checkpoint.every-duration"),
            CheckpointsRoot: Path.GetFullPath(config.GetString("checkpoint.dir")),
            Retention: keepLast == 0 ? RetentionPolicy.KeepAll : new RetentionPolicy(
                KeepLast: keepLast, EveryKSteps: config.GetLong("checkpoint.keep-every-k-steps"),
                KeepBest: config.GetInt("checkpoint.keep-best"), HigherIsBetter: keepBestMetric.HigherIsBetter),
            KeepBestMetric: keepBestMetric,
            EvalEvery: config.GetInt("eval.every-steps"),
            EvalBatches: config.GetInt("eval.batches"),
            Evaluators: config.GetInt("eval.workers"),
            EvaluatorThreads: config.GetInt("eval.threads"),
            Tasks: tasks,
            Prefetch: config.GetInt("session.prefetch-steps"),
            MaxUnjournaledSteps: config.GetInt("session.max-unjournaled-steps"),
            OnNonFinite: ParsePolicy(config.GetString("session.on-non-finite")),
            RollbackLrFactor: config.GetDouble("session.rollback-lr-factor"),
            LeaseTtl: config.GetDuration("session.lease-ttl"),
            LeaseRenewEvery: config.GetDuration("session.lease-renew-every"),
            SnapshotEvery: config.GetInt("journal.snapshot-every"))
        {
            Paths = Run.DataFolderPaths.Of(config),
            LrPlateau = LrPlateauPolicy.From(config),
        };
        settings.Validate();
        return settings;
    }

    /// <summary>The data folder, against which checkpoint paths are journaled (relative when inside it).</summary>
    public Run.DataFolderPaths? Paths { get; init; }

    /// <summary>The schedule actor's plateau policy (session.lr-plateau; off unless patience &gt; 0).</summary>
    public LrPlateauPolicy LrPlateau { get; init; } = new(0, 0.5, 0.001);

    /// <summary>The folder of one run's checkpoints.</summary>
    public string CheckpointsOf(string runId) => Path.Combine(CheckpointsRoot, runId);

    static NonFinitePolicy ParsePolicy(string text) => text switch
    {
        "stop" => NonFinitePolicy.Stop,
        "skip-batch" => NonFinitePolicy.SkipBatch,
        "rollback" => NonFinitePolicy.Rollback,
        _ => throw new StlmException($"session.on-non-finite = \"{text}\": use \"stop\", \"skip-batch\" or \"rollback\""),
    };

    void Validate()
    {
        if (CheckpointEvery < 0) throw new StlmException($"checkpoint.every-steps must be >= 0 (0 = only at pause and end), got {CheckpointEvery}");
        if (CheckpointEveryDuration < TimeSpan.Zero) throw new StlmException($"checkpoint.every-duration must be >= 0 (0 = no time-based checkpoints), got {CheckpointEveryDuration}");
        if (EvalEvery < 0) throw new StlmException($"eval.every-steps must be >= 0 (0 = only at checkpoints), got {EvalEvery}");
        if (EvalBatches < 1) throw new StlmException($"eval.batches must be at least 1, got {EvalBatches}");
        if (Evaluators < 0) throw new StlmException($"eval.workers must be >= 0 (0 = no evaluation), got {Evaluators}");
        if (Tasks.Count > 0 && Evaluators == 0) throw new StlmException($"eval.tasks lists {string.Join(", ", Tasks.Select(t => t.Name))} but eval.workers = 0 evaluates nothing; set eval.workers >= 1 or eval.tasks = []");
        if (EvaluatorThreads < 1) throw new StlmException($"eval.threads must be at least 1, got {EvaluatorThreads}");
        if (Prefetch < 1) throw new StlmException($"session.prefetch-steps must be at least 1, got {Prefetch}");
        if (MaxUnjournaledSteps < 1) throw new StlmException($"session.max-unjournaled-steps must be at least 1, got {MaxUnjournaledSteps}");
        if (!(RollbackLrFactor > 0 && RollbackLrFactor < 1)) throw new StlmException($"session.rollback-lr-factor must be in (0, 1), got {RollbackLrFactor}");
        if (LeaseRenewEvery >= LeaseTtl) throw new StlmException($"session.lease-renew-every ({LeaseRenewEvery}) must be shorter than session.lease-ttl ({LeaseTtl})");
    }
}
