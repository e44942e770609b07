using Stlm.Actors.Runtime;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// eval.workers evaluators behind one address: each <see cref="EvaluateWeights"/> becomes one
/// <see cref="EvaluationJob"/> per task (sharing the one copy of the weights), and each job goes
/// to an idle evaluator, or waits in order for the first that becomes idle, so the tasks of a
/// checkpoint are scored side by side. Each job's <see cref="EvalDone"/> goes back to whoever
/// sent the weights. Jobs still waiting when the pool stops are dropped (their weights freed).
/// </summary>
public sealed class EvaluatorPool : ReceiveActor
{
    readonly Queue<(EvaluationJob Job, IActorRef ReplyTo)> _waiting = new();
    readonly Queue<IActorRef> _idle = new();
    readonly Dictionary<string, IActorRef> _busy = [];

    public EvaluatorPool(IReadOnlyList<Props> evaluators)
    {
        for (var i = 0; i < evaluators.Count; i++)
            _idle.Enqueue(Context.ActorOf(evaluators[i], $"evaluator-{i + 1}"));
        Receive<EvaluateWeights>(w =>
        {
            foreach (var task in w.Tasks) _waiting.Enqueue((new EvaluationJob(w.Step, task, w.Weights), Sender));
            Dispatch();
        });
        Receive<EvalDone>(d =>
        {
            if (_busy.Remove(Sender.Path.ToString(), out var replyTo)) replyTo.Tell(d, Self);
            _idle.Enqueue(Sender);
            Dispatch();
        });
    }

    public static Props Props(IReadOnlyList<Props> evaluators) => Runtime.Props.Create(() => new EvaluatorPool(evaluators));

    protected override void PostStop()
    {
        while (_waiting.TryDequeue(out var w)) w.Job.Weights.Release();
    }

    void Dispatch()
    {
        while (_waiting.Count > 0 && _idle.Count > 0)
        {
            var (job, replyTo) = _waiting.Dequeue();
            var evaluator = _idle.Dequeue();
            _busy[evaluator.Path.ToString()] = replyTo;
            evaluator.Tell(job, Self);
        }
    }
}
