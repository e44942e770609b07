using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Stlm.Actors.Cluster.Transfer;
using Stlm.Actors.Training.Recipe;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Eval;

namespace Stlm.Actors.Cluster.Evaluation;

/// <summary>
/// An evaluator on a node with the evaluator role: it pulls jobs from any
/// <see cref="EvaluationWorkQueue"/> that announces work on <see cref="EvaluationWorkQueue.Topic"/>,
/// one at a time. For a job it finds the checkpoint in this node's catalog or fetches it
/// (<see cref="CheckpointFetcher"/>) from the queue's node, then from the cluster's other members;
/// loads the model from it (the last one stays loaded: a checkpoint's shards come together);
/// scores the job (<see cref="EvaluationPlan.Score"/>) and answers <see cref="EvalJobDone"/> or
/// <see cref="EvalJobFailed"/>, then asks again. Runs on its own thread (scoring blocks for seconds).
/// Hears: EvalWorkAvailable, EvalJob, NoEvalWork.
/// </summary>
public sealed class ClusterEvaluatorActor : ReceiveActor
{
    public const string Name = "stlm-evaluator";

    readonly CheckpointFetcher _fetcher;
    readonly int _threads;
    (string Hash, CheckpointModel Model)? _loaded;
    IScoringModel? _scorer;
    int _scorerRows;
    DateTime _askedAt = DateTime.MinValue;

    public ClusterEvaluatorActor(CheckpointFetcher fetcher, int threads)
    {
        (_fetcher, _threads) = (fetcher, threads);
        Receive<SubscribeAck>(_ => { });
        Receive<EvalWorkAvailable>(_ =>
        {
            // One question in flight at a time; one unanswered for long (its queue's node went away) is asked again.
            if (DateTime.UtcNow - _askedAt < TimeSpan.FromSeconds(5)) return;
            Ask(Sender);
        });
        Receive<NoEvalWork>(_ => _askedAt = DateTime.MinValue);
        Receive<EvalJob>(job =>
        {
            Sender.Tell(Run(job, Sender), Self);
            Ask(Sender);
        });
    }

    /// <param name="threads">libtorch intra-op threads of this evaluator (0: leave the process's setting)</param>
    public static Props Props(CheckpointFetcher fetcher, int threads = 0) =>
        Akka.Actor.Props.Create(() => new ClusterEvaluatorActor(fetcher, threads)).WithDispatcher(Persistence.StlmAkka.PinnedDispatcher);

    protected override void PreStart()
    {
        if (_threads > 0) Model.LibTorch.Torch.Threads.IntraOp = _threads;
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(EvaluationWorkQueue.Topic, Self));
    }

    void Ask(IActorRef queue)
    {
        _askedAt = DateTime.UtcNow;
        queue.Tell(new EvalWorkWanted(Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString()), Self);
    }

    object Run(EvalJob job, IActorRef queue)
    {
        try
        {
            var model = Load(job, queue);
            return EvaluationPlan.Score(job, model.Model, rows => Scorer(model, rows));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Context.GetLogger().Warning("Evaluation job {Job} failed here: {Reason}", job.JobId, e.Message.ReplaceLineEndings(" "));
            return new EvalJobFailed(job.JobId, e.Message.ReplaceLineEndings(" "));
        }
    }

    CheckpointModel Load(EvalJob job, IActorRef queue)
    {
        if (_loaded is { } loaded && loaded.Hash == job.CheckpointHash) return loaded.Model;
        _loaded = null;
        _scorer = null;
        var folder = _fetcher.FetchAsync(job.CheckpointHash, job.CheckpointPath, Sources(queue)).GetAwaiter().GetResult();
        var model = CheckpointModel.Load(Checkpoint.Open(folder, job.CheckpointHash));
        _loaded = (job.CheckpointHash, model);
        return model;
    }

    IScoringModel Scorer(CheckpointModel model, int rows)
    {
        if (_scorer is null || _scorerRows != rows) (_scorer, _scorerRows) = (ScoringModels.For(model.Model, model.Tokenizer, rows), rows);
        return _scorer;
    }

    /// <summary>The queue's node first (it has the checkpoint it asks about), then every other member that is up.</summary>
    List<ICanTell> Sources(IActorRef queue)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var others = cluster.State.Members
            .Where(m => m.Status == Akka.Cluster.MemberStatus.Up && m.Address != cluster.SelfAddress && m.Address != queue.Path.Address)
            .Select(m => (ICanTell)CheckpointSourceActor.At(Context, m.Address));
        return [CheckpointSourceActor.At(Context, queue.Path.Address), .. others];
    }
}
