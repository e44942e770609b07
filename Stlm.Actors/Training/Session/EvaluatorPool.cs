using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Model.Eval;

namespace Stlm.Actors.Training.Session;

/// <summary>
/// eval.workers evaluators behind one address, and the one place evaluation results are journaled.
/// <para>Hears: <see cref="EvaluateWeights"/> (from the trainer); <see cref="HeldOutScored"/> and
/// <see cref="ShardScored"/> (from its evaluators). Says: <see cref="EvaluationJob"/> to an idle
/// evaluator; <see cref="RecordEval"/> to the RunActor; <see cref="EvalDone"/> to the trainer,
/// one per task; <see cref="EvalEvent"/> to the session's observer. Persists (through the
/// RunActor): EvalCompleted(step, "heldout", bpb, nats_per_token, tokens) and
/// EvalCompleted(step, task, acc, acc_norm, items).</para>
/// Each EvaluateWeights becomes jobs sharing the one copy of the weights: one for held out, and
/// for each multiple-choice task up to eval.workers contiguous shards of its questions, so one
/// large task is spread over every evaluator too. Each job goes to an idle evaluator, or waits in
/// order for the first that becomes idle. Once all of a task's results are in, the pool
/// summarises them in question order (the same numbers as scoring the whole list at once) and
/// journals them. Jobs still waiting when the pool stops are dropped (their weights freed).
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
        public double? Bpb { get; set; }
        public SortedDictionary<int, IReadOnlyList<MultipleChoiceScorer.ItemScore>> Scores { get; } = [];
    }

    sealed record TaskJournaled(long Id, RunReply? Reply, Exception? Error);

    readonly IReadOnlyList<ChoiceTask> _tasks;
    readonly int _workers;
    readonly IActorRef _run, _reporter;
    readonly Queue<EvaluationJob> _waiting = new();
    readonly Queue<IActorRef> _idle = new();
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
        Receive<HeldOutScored>(s =>
        {
            if (_inProgress.TryGetValue(s.Id, out var task))
            {
                task.Missing = 0;
                if (s.Result is { } r)
                {
                    task.Bpb = r.Bpb;
                    Journal(s.Id, task, [new("bpb", r.Bpb), new("nats_per_token", r.NatsPerToken), new("tokens", r.Tokens)]);
                }
                else Finish(s.Id, journaled: false);
            }
            Idle(Sender);
        });
        Receive<ShardScored>(s =>
        {
            OnShard(s);
            Idle(Sender);
        });
        Receive<TaskJournaled>(OnJournaled);
    }

    public static Props Props(IReadOnlyList<Props> evaluators, IReadOnlyList<ChoiceTask> tasks, IActorRef run, IActorRef reporter) =>
        Akka.Actor.Props.Create(() => new EvaluatorPool(evaluators, tasks, run, reporter));

    protected override void PostStop()
    {
        while (_waiting.TryDequeue(out var job)) job.Weights.Release();
    }

    void Enqueue(EvaluateWeights w, string task, IActorRef replyTo)
    {
        IReadOnlyList<(int From, int To)> shards = task == EvaluatorActor.HeldOutTask
            ? [(0, 0)]
            : (_tasks.FirstOrDefault(t => t.Name == task) ?? throw new InvalidOperationException($"no task {task} in eval.tasks")).Shards(_workers);
        var id = ++_nextId;
        _inProgress[id] = new TaskInProgress(w.Step, task, shards.Count, replyTo);
        // The trainer's copy counts one holder per task: each further shard holds it too.
        w.Weights.Retain(shards.Count - 1);
        foreach (var (from, to) in shards)
            _waiting.Enqueue(new EvaluationJob(w.Step, task, w.Weights, from, to, id));
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
        Journal(s.Id, task, ChoiceTask.Metrics(MultipleChoiceScorer.Summarise([.. task.Scores.Values.SelectMany(x => x)])));
    }

    void Journal(long id, TaskInProgress task, IReadOnlyList<KeyValuePair<string, double>> metrics) =>
        _run.Ask<RunReply>(new RecordEval(task.Step, task.Task, metrics), TimeSpan.FromSeconds(30))
            .PipeTo(Self, Self, reply => new TaskJournaled(id, reply, null), error => new TaskJournaled(id, null, error));

    void OnJournaled(TaskJournaled j)
    {
        var journaled = false;
        var task = _inProgress[j.Id];
        try
        {
            journaled = EvalJournal.Report(j.Reply ?? throw j.Error!, _reporter, Self);
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
        task.ReplyTo.Tell(new EvalDone(task.Step, task.Task, journaled, task.Bpb), Self);
    }

    void Idle(IActorRef evaluator)
    {
        _idle.Enqueue(evaluator);
        Dispatch();
    }

    void Dispatch()
    {
        while (_waiting.Count > 0 && _idle.Count > 0)
            _idle.Dequeue().Tell(_waiting.Dequeue(), Self);
    }
}
