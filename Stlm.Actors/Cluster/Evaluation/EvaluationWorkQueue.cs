using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace Stlm.Actors.Cluster.Evaluation;

/// <summary>Local: evaluate these (each answered by one <see cref="EvaluationFinished"/> to the sender).</summary>
public sealed record EvaluateCheckpoint(IReadOnlyList<Evaluation> Evaluations);

/// <summary>Local: one evaluation is complete (once per key), or failed with <paramref name="Problem"/>.</summary>
public sealed record EvaluationFinished(Evaluation Evaluation, EvaluationResult? Result, string? Problem);

/// <summary>Local: how the queue stands (<see cref="WorkQueueStatus"/>).</summary>
public sealed record WorkQueueStatusWanted;

/// <summary>
/// <paramref name="Redone"/>: jobs handed out again after their evaluator's node died;
/// <paramref name="DuplicatesDropped"/>: results for a job id already taken.
/// <paramref name="JobsByNode"/>: results taken per evaluator node; <paramref name="RunningOn"/>: the node of each job being done;
/// <paramref name="ScoringSeconds"/>: the time the evaluators say the taken jobs took them.
/// </summary>
public sealed record WorkQueueStatus(int Waiting, int Running, int Evaluations, int JobsDone, int Redone, int DuplicatesDropped,
    IReadOnlyDictionary<string, int> JobsByNode, IReadOnlyDictionary<string, string> RunningOn, double ScoringSeconds);

/// <summary>
/// The evaluations of one process (a training session's, or `stlm eval --cluster`'s), as jobs
/// that evaluator nodes pull: while jobs wait it publishes <see cref="EvalWorkAvailable"/> on
/// <see cref="Topic"/> (DistributedPubSub) every second; an idle evaluator asks
/// (<see cref="EvalWorkWanted"/>) and gets the oldest job (<see cref="EvalJob"/>) or
/// <see cref="NoEvalWork"/>, so a slow node simply asks less often. The queue watches every
/// evaluator holding a job: when its node is downed (Akka's failure detector and split-brain
/// resolver decide), Terminated puts its jobs back at the head of the queue. The first result of
/// a job id is taken and any later one (from a node thought dead) dropped; a failed job is tried
/// again up to <see cref="MaxAttempts"/> times. Once every shard of an evaluation is in, it is
/// reduced in shard order (<see cref="EvaluationPlan.Reduce"/>) and answered once.
/// Hears: EvaluateCheckpoint, EvalWorkWanted, EvalJobDone, EvalJobFailed, Terminated, WorkQueueStatusWanted.
/// </summary>
public sealed class EvaluationWorkQueue : ReceiveActor, IWithTimers
{
    public const string Topic = "stlm-eval-work";
    public const int MaxAttempts = 3;

    sealed class InProgress(Evaluation evaluation, IActorRef replyTo)
    {
        public Evaluation Evaluation { get; } = evaluation;
        public IActorRef ReplyTo { get; } = replyTo;
        public EvalJobDone?[] Results { get; } = new EvalJobDone?[evaluation.Jobs.Count];
        public int Missing { get; set; } = evaluation.Jobs.Count;
    }

    sealed record Announce;

    readonly IActorRef _mediator;
    readonly LinkedList<EvalJob> _waiting = new();
    readonly Dictionary<string, (EvalJob Job, IActorRef Evaluator)> _running = new(StringComparer.Ordinal);
    readonly Dictionary<string, (InProgress Evaluation, int Shard)> _jobs = new(StringComparer.Ordinal);
    readonly Dictionary<string, InProgress> _evaluations = new(StringComparer.Ordinal);
    readonly HashSet<string> _done = new(StringComparer.Ordinal);
    readonly Dictionary<string, int> _byNode = new(StringComparer.Ordinal);
    int _redone, _duplicates;
    double _scoringSeconds;

    public ITimerScheduler Timers { get; set; } = null!;

    public EvaluationWorkQueue()
    {
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        Receive<EvaluateCheckpoint>(Add);
        Receive<EvalWorkWanted>(_ => Give());
        Receive<EvalJobDone>(Done);
        Receive<EvalJobFailed>(Failed);
        Receive<Terminated>(t => Requeue(t.ActorRef));
        Receive<Announce>(_ => Publish());
        Receive<WorkQueueStatusWanted>(_ => Sender.Tell(new WorkQueueStatus(_waiting.Count, _running.Count, _evaluations.Count, _done.Count,
            _redone, _duplicates, new Dictionary<string, int>(_byNode),
            _running.ToDictionary(r => r.Key, r => r.Value.Evaluator.Path.Address.ToString()), _scoringSeconds)));
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new EvaluationWorkQueue());

    protected override void PreStart() => Timers.StartPeriodicTimer("announce", new Announce(), TimeSpan.FromSeconds(1));

    void Add(EvaluateCheckpoint request)
    {
        foreach (var evaluation in request.Evaluations)
        {
            if (_evaluations.ContainsKey(evaluation.Key)) continue;   // already under way: answered once
            var progress = new InProgress(evaluation, Sender);
            _evaluations[evaluation.Key] = progress;
            foreach (var job in evaluation.Jobs)
            {
                _jobs[job.JobId] = (progress, job.Shard);
                _done.Remove(job.JobId);   // the same evaluation asked again later (e.g. a step retrained after a rollback)
                _waiting.AddLast(job);
            }
        }
        Publish();
    }

    void Publish()
    {
        if (_waiting.Count > 0) _mediator.Tell(new Publish(Topic, new EvalWorkAvailable(_waiting.Count)), Self);
    }

    void Give()
    {
        if (_waiting.First is not { } first)
        {
            Sender.Tell(new NoEvalWork(), Self);
            return;
        }
        _waiting.RemoveFirst();
        var job = first.Value;
        _running[job.JobId] = (job, Sender);
        Context.Watch(Sender);
        Sender.Tell(job, Self);
    }

    void Done(EvalJobDone done)
    {
        if (!_done.Add(done.JobId) || !_jobs.TryGetValue(done.JobId, out var owner))
        {
            _duplicates++;
            return;
        }
        // Taken: whoever else holds or awaits this job no longer matters.
        _running.Remove(done.JobId);
        RemoveWaiting(done.JobId);
        _byNode[Sender.Path.Address.ToString()] = _byNode.GetValueOrDefault(Sender.Path.Address.ToString()) + 1;
        _scoringSeconds += done.Seconds;
        var progress = owner.Evaluation;
        progress.Results[owner.Shard] = done;
        if (--progress.Missing == 0) Finish(progress);
    }

    void Failed(EvalJobFailed failed)
    {
        if (_done.Contains(failed.JobId) || !_running.Remove(failed.JobId, out var running)) return;
        var (progress, _) = _jobs[failed.JobId];
        Context.GetLogger().Warning("Evaluation job {Job} failed on {Node} (attempt {Attempt}): {Reason}",
            failed.JobId, Sender.Path.Address, running.Job.Attempt, failed.Reason);
        if (running.Job.Attempt >= MaxAttempts)
        {
            Drop(progress, $"job {failed.JobId} failed {MaxAttempts} times, last: {failed.Reason}");
            return;
        }
        _waiting.AddFirst(running.Job with { Attempt = running.Job.Attempt + 1 });
        Publish();
    }

    void Requeue(IActorRef evaluator)
    {
        var lost = _running.Where(r => r.Value.Evaluator.Equals(evaluator)).Select(r => r.Value.Job).OrderByDescending(j => j.JobId, StringComparer.Ordinal).ToList();
        foreach (var job in lost)
        {
            _running.Remove(job.JobId);
            _waiting.AddFirst(job);
            _redone++;
        }
        if (lost.Count > 0)
        {
            Context.GetLogger().Warning("Evaluator {Evaluator} is gone with {Jobs} job(s); they go to other evaluators", evaluator.Path, lost.Count);
            Publish();
        }
    }

    void Finish(InProgress progress)
    {
        _evaluations.Remove(progress.Evaluation.Key);
        EvaluationFinished answer;
        try
        {
            answer = new EvaluationFinished(progress.Evaluation, EvaluationPlan.Reduce(progress.Evaluation, [.. progress.Results.Select(r => r!)]), null);
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or IndexOutOfRangeException)
        {
            answer = new EvaluationFinished(progress.Evaluation, null, e.Message);
        }
        Forget(progress);
        progress.ReplyTo.Tell(answer, Self);
    }

    void Drop(InProgress progress, string problem)
    {
        _evaluations.Remove(progress.Evaluation.Key);
        Forget(progress);
        progress.ReplyTo.Tell(new EvaluationFinished(progress.Evaluation, null, problem), Self);
    }

    /// <summary>Its jobs leave the queue; their ids stay in the taken set, so a late result is still a duplicate.</summary>
    void Forget(InProgress progress)
    {
        foreach (var job in progress.Evaluation.Jobs)
        {
            _done.Add(job.JobId);
            _running.Remove(job.JobId);
            RemoveWaiting(job.JobId);
            _jobs.Remove(job.JobId);
        }
    }

    void RemoveWaiting(string jobId)
    {
        for (var node = _waiting.First; node is not null; node = node.Next)
            if (node.Value.JobId == jobId)
            {
                _waiting.Remove(node);
                return;
            }
    }
}
