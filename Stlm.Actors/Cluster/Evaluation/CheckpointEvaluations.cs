using Akka.Actor;
using Akka.Event;
using Stlm.Actors.Training.Run;
using Stlm.Actors.Training.Session;

namespace Stlm.Actors.Cluster.Evaluation;

/// <summary>Local: evaluate a committed checkpoint's evaluations on the cluster and journal each result in the run.</summary>
public sealed record EvaluateCommitted(IReadOnlyList<Evaluation> Evaluations);

/// <summary>Local, to whoever sent <see cref="EvaluateCommitted"/>: one evaluation is over; <paramref name="Journaled"/>: its EvalCompleted is in the journal (now or from before).</summary>
public sealed record EvaluationJournaled(string Key, bool Journaled, IReadOnlyList<KeyValuePair<string, double>>? Metrics, string? Problem);

/// <summary>Local: which evaluations are still out (keys "run@step/task").</summary>
public sealed record PendingEvaluationsWanted;

public sealed record PendingEvaluations(IReadOnlyList<string> Keys);

/// <summary>
/// The run's side of evaluation across machines, in the process that writes the run's journal:
/// each checkpoint's evaluations go to the <see cref="EvaluationWorkQueue"/> and nothing waits
/// for them (training goes on; evaluation falls behind), and each finished evaluation is
/// journaled through the run's RunActor as EvalCompleted(step, task, metrics) — once: the queue
/// answers each key once, and a result the journal already holds bit for bit (a step re-run after
/// a resume) is rechecked, not journaled again (RunRules.Eval).
/// Hears: EvaluateCommitted, EvaluationFinished, PendingEvaluationsWanted.
/// </summary>
public sealed class CheckpointEvaluations : ReceiveActor
{
    sealed record Recorded(string Key, RunReply? Reply, Exception? Error, IReadOnlyList<KeyValuePair<string, double>> Metrics);

    readonly IActorRef _queue, _run, _reporter;
    readonly Dictionary<string, IActorRef> _pending = new(StringComparer.Ordinal);

    public CheckpointEvaluations(IActorRef queue, IActorRef run, IActorRef reporter)
    {
        (_queue, _run, _reporter) = (queue, run, reporter);
        Receive<EvaluateCommitted>(e =>
        {
            var fresh = e.Evaluations.Where(x => !_pending.ContainsKey(x.Key)).ToList();
            foreach (var evaluation in fresh) _pending[evaluation.Key] = Sender;
            _queue.Tell(new EvaluateCheckpoint(fresh), Self);
        });
        Receive<EvaluationFinished>(Finished);
        Receive<Recorded>(Journaled);
        Receive<PendingEvaluationsWanted>(_ => Sender.Tell(new PendingEvaluations([.. _pending.Keys.Order(StringComparer.Ordinal)])));
    }

    public static Props Props(IActorRef queue, IActorRef run, IActorRef reporter) =>
        Akka.Actor.Props.Create(() => new CheckpointEvaluations(queue, run, reporter));

    void Finished(EvaluationFinished f)
    {
        var key = f.Evaluation.Key;
        if (f.Result is not { } result)
        {
            Context.GetLogger().Warning("Evaluation {Key} failed on the cluster: {Problem}", key, f.Problem);
            Answer(new EvaluationJournaled(key, false, null, f.Problem));
            return;
        }
        _run.Ask<RunReply>(new RecordEval(f.Evaluation.Step, f.Evaluation.Task, result.Metrics), TimeSpan.FromSeconds(30))
            .PipeTo(Self, Self, reply => new Recorded(key, reply, null, result.Metrics), error => new Recorded(key, null, error, result.Metrics));
    }

    void Journaled(Recorded r)
    {
        try
        {
            var journaled = r.Reply is { } reply ? EvalJournal.Report(reply, _reporter, Self) : throw r.Error!;
            Answer(new EvaluationJournaled(r.Key, journaled, r.Metrics, null));
        }
        catch (Exception e)
        {
            Context.GetLogger().Warning("Evaluation {Key} could not be journaled: {Reason}", r.Key, e.Message.ReplaceLineEndings(" "));
            Answer(new EvaluationJournaled(r.Key, false, r.Metrics, e.Message.ReplaceLineEndings(" ")));
        }
    }

    void Answer(EvaluationJournaled answer)
    {
        if (_pending.Remove(answer.Key, out var requester)) requester.Tell(answer, Self);
    }
}
