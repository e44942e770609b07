using Akka.Actor;
using Stlm.Actors.Cluster;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Configuration;
using Stlm.Host.Journal;
using Stlm.Host.Progress;
using Stlm.Model;
using Stlm.Model.Checkpoints;

namespace Stlm.Host.Eval;

/// <summary>
/// `stlm eval CHECKPOINT --task NAME --data FILE --cluster`: this process joins the cluster
/// (cluster.seed-nodes) as a member with no role, serves the checkpoint to the evaluator nodes
/// (they fetch it when they lack it), cuts the questions into jobs of
/// <see cref="EvaluationPlan.ItemsPerCall"/> (the slices the one-process command scores at
/// once) and waits for the evaluators to pull and score them; the shards come back together in
/// order, so the numbers are those of `stlm eval` without --cluster, bit for bit.
/// </summary>
public static class EvalOnCluster
{
    /// <summary>Joins the cluster the config names, as a member that takes no work.</summary>
    public static async Task<ClusterNode> JoinAsync(Config config, Actors.Persistence.JournalStore store, CancellationToken ct)
    {
        var settings = ClusterSettings.From(config);
        if (!settings.Enabled)
            throw new StlmException("eval --cluster: cluster.seed-nodes is empty; name the cluster's seeds, e.g. --set 'cluster.seed-nodes=[\"host:4053\"]' (or drop --cluster to evaluate in this process)");
        var paths = DataPaths.From(config);
        return await ClusterNode.JoinAsync(settings with { Roles = [], Port = 0 }, store, paths.DataDir, ct);
    }

    /// <summary>Runs <paramref name="evaluation"/> on the cluster's evaluators; <paramref name="progress"/> hears the items done.</summary>
    public static async Task<(EvaluationResult Result, WorkQueueStatus Status)> RunAsync(ActorSystem system, Checkpoint checkpoint, Evaluation evaluation,
        Action<long>? progress, CancellationToken ct)
    {
        system.ActorSelection("/user/" + CheckpointSourceActor.Name).Tell(new ServeCheckpoint(checkpoint.ContentHash, checkpoint.Path));
        var queue = system.ActorOf(EvaluationWorkQueue.Props());
        try
        {
            // One evaluation: the queue answers the asker once.
            var finished = queue.Ask<EvaluationFinished>(new EvaluateCheckpoint([evaluation]), ct);
            var perJob = evaluation.Jobs.Select(j => (long)j.Items).ToArray();
            while (await Task.WhenAny(finished, Task.Delay(500, ct)) != finished)
            {
                var progressed = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted(), ct);
                progress?.Invoke(perJob.Take(progressed.JobsDone).Sum());
            }
            var answer = await finished;
            var status = await queue.Ask<WorkQueueStatus>(new WorkQueueStatusWanted(), ct);
            return (answer.Result ?? throw new StlmException($"eval --cluster: {answer.Problem}"), status);
        }
        finally
        {
            system.Stop(queue);
        }
    }

    /// <summary>The evaluation with a progress bar of questions, as the one-process command shows it.</summary>
    public static async Task<Model.Eval.MultipleChoiceScorer.Result> ScoreTaskAsync(Config config, Checkpoint checkpoint, string task,
        IReadOnlyList<Model.Eval.MultipleChoiceItem> items, int batchRows, CancellationToken ct)
    {
        var journal = DataPaths.From(config).Journal;
        ClusterSettings.RequireSharedJournal(journal, "or drop --cluster to evaluate in this process");
        await using var store = JournalOpener.OpenExisting(journal);
        await using var node = await JoinAsync(config, store, ct);
        if (!node.Cluster.State.Members.Any(m => m.Roles.Contains(NodeRoles.Evaluator)))
            Serilog.Log.Warning("No member with the evaluator role is up yet; the jobs wait for one (stlm node --roles evaluator)");
        var evaluation = EvaluationPlan.Choice(checkpoint.Info.RunId, checkpoint.Info.Step, checkpoint.ContentHash, checkpoint.Path, task, items, batchRows: batchRows);
        using var bar = ProgressDisplay.Start(new ProgressOptions($"{task} on the cluster", items.Count, "questions"));
        var (result, _) = await RunAsync(node.System, checkpoint, evaluation, bar.Report, ct);
        return result.Choice!;
    }
}
