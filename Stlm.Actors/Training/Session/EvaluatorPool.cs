using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model.Eval;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// eval.workers evaluators behind one address. Each <see cref="EvaluateWeights"/> becomes jobs
/// sharing the one copy of the weights: one for held out, and for each multiple-choice task up to
/// eval.workers contiguous shards of its questions, so one large task is spread over every
/// evaluator too. Each job goes to an idle evaluator, or waits in order for the first that
/// becomes idle. A task's shards come back as scores per question; once all are in, the pool
/// summarises them in question order (the same numbers as scoring the whole list at once),
/// journals EvalCompleted(step, task, acc, acc_norm, items) and answers <see cref="EvalDone"/>
/// to whoever sent the weights (held-out answers come from the evaluator that journaled them).
/// Jobs still waiting when the pool stops are dropped (their weights freed).
/// </summary>
public sealed class EvaluatorPool : ReceiveActor
{
    sealed class TaskInProgress(long step, string task, int shards, IActorRef replyTo)
    {
        public long Step { get; } = step;
        public string Task { get; } = task;
        public IActorRef ReplyTo { get; } = replyTo;
        public int Missing { get; set; } = shards;
        public bool Failed { get; set; }
        public SortedDictionary<int, IReadOnlyList<MultipleChoiceScorer.ItemScore>> Scores { get; } = [];
    }

    sealed record TaskJournaled(long Id, RunReply? Reply, Exception? Error);

    readonly IReadOnlyList<ChoiceTask> _tasks;
    readonly int _workers;
    readonly IActorRef _run, _reporter;
    readonly Queue<(EvaluationJob Job, IActorRef ReplyTo)> _waiting = new();
    readonly Queue<IActorRef> _idle = new();
    readonly Dictionary<string, IActorRef> _busy = [];
    readonly Dictionary<long, TaskInProgress> _inProgress = [];
    long _nextId;

    public EvaluatorPool(IReadOnlyList<Props> evaluators, IReadOnlyList<ChoiceTask> tasks, IActorRef run, IActorRef reporter)
    {
        (_tasks, _workers, _run, _reporter) = (tasks, evaluators.Count, run, reporter);
        for (var i = 0; i < evaluators.Count; i++)
            _idle.Enqueue(Context.ActorOf(evaluators[i], $"evaluator-{i + 1}"));
        Receive<EvaluateWeights>(w =>
        {
            foreach (var task in w.Tasks) Enqueue(w, task, Sender);
            Dispatch();
        });
        Receive<EvalDone>(d =>
        {
            if (_busy.Remove(Sender.Path.ToString(), out var replyTo)) replyTo.Tell(d, Self);
            Idle(Sender);
        });
        Receive<ShardScored>(s =>
        {
            _busy.Remove(Sender.Path.ToString());
            OnShard(s);
            Idle(Sender);
        });
        Receive<TaskJournaled>(OnJournaled);
    }

    public static Props Props(IReadOnlyList<Props> evaluators, IReadOnlyList<ChoiceTask> tasks, IActorRef run, IActorRef reporter) =>
        Akka.Actor.Props.Create(() => new EvaluatorPool(evaluators, tasks, run, reporter));

    protected override void PostStop()
    {
        while (_waiting.TryDequeue(out var w)) w.Job.Weights.Release();
    }

    void Enqueue(EvaluateWeights w, string task, IActorRef replyTo)
    {
        if (task == EvaluatorActor.HeldOutTask)
        {
            _waiting.Enqueue((new EvaluationJob(w.Step, task, w.Weights), replyTo));
            return;
        }
        var shards = (_tasks.FirstOrDefault(t => t.Name == task) ?? throw new InvalidOperationException($"no task {task} in eval.tasks")).Shards(_workers);
        var id = ++_nextId;
        _inProgress[id] = new TaskInProgress(w.Step, task, shards.Count, replyTo);
        // The trainer's copy counts one holder per task: each further shard holds it too.
        w.Weights.Retain(shards.Count - 1);
        foreach (var (from, to) in shards)
            _waiting.Enqueue((new EvaluationJob(w.Step, task, w.Weights, from, to, id), replyTo));
    }

    void OnShard(ShardScored s)
    {
        if (!_inProgress.TryGetValue(s.Id, out var task)) return;
        if (s.Scores is null) task.Failed = true;
        else task.Scores[s.From] = s.Scores;
        if (--task.Missing > 0) return;
        if (task.Failed)
        {
            Finish(s.Id, journaled: false);
            return;
        }
        var result = MultipleChoiceScorer.Summarise([.. task.Scores.Values.SelectMany(x => x)]);
        var id = s.Id;
        _run.Ask<RunReply>(new RecordEval(task.Step, task.Task, ChoiceTask.Metrics(result)), TimeSpan.FromSeconds(30))
            .PipeTo(Self, Self, reply => new TaskJournaled(id, reply, null), error => new TaskJournaled(id, null, error));
    }

    void OnJournaled(TaskJournaled j)
    {
        var journaled = false;
        var task = _inProgress[j.Id];
        try
        {
            journaled = j.Reply is { } reply ? EvalJournal.Report(reply, _reporter, Self) : throw j.Error!;
        }
        catch (Exception e)
        {
            // An evaluation that cannot be journaled (e.g. its step was rolled back) is only reported.
            RunLog.Of(Context).Warning("Evaluation {Task} of step {Step} could not be journaled: {Reason}", task.Task, task.Step, e.Message.ReplaceLineEndings(" "));
        }
        Finish(j.Id, journaled);
    }

    void Finish(long id, bool journaled)
    {
        if (!_inProgress.Remove(id, out var task)) return;
        task.ReplyTo.Tell(new EvalDone(task.Step, task.Task, journaled), Self);
    }

    void Idle(IActorRef evaluator)
    {
        _idle.Enqueue(evaluator);
        Dispatch();
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
