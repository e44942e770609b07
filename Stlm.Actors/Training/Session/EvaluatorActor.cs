using Akka.Actor;
using Akka.Event;
using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.LibTorch;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

/// <summary>What every evaluator of a session scores with: held-out batches, the run's tokenizer and the multiple-choice tasks.</summary>
public sealed record EvaluatorSetup(Func<TokenDataset> OpenHeldOut, int Batches, int BatchSize, int Threads, ITokenizer Tokenizer,
    IReadOnlyList<ChoiceTask> Tasks);

/// <summary>
/// Scores one <see cref="EvaluationJob"/> at a time on its own model instance and thread, loaded
/// from the job's copy of the weights, with eval.threads libtorch threads, while training goes on.
/// <para>Hears: <see cref="EvaluationJob"/> (from the pool). Says: <see cref="HeldOutScored"/>
/// (held-out bits per byte, <see cref="HeldOutEvaluation"/>) or <see cref="ShardScored"/> (a
/// shard of a multiple-choice task's questions, <see cref="ChoiceTask"/>) back to the pool, null
/// when it failed. Persists nothing: the pool journals every result.</para>
/// <para>The model is built before training starts (building seeds the generators, which must
/// not happen while the trainer uses them).</para>
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    public const string HeldOutTask = "heldout";

    readonly ILanguageModel _model;
    readonly EvaluatorSetup _setup;
    TokenDataset? _heldOut;
    IScoringModel? _scorer;

    public EvaluatorActor(ILanguageModel model, EvaluatorSetup setup)
    {
        (_model, _setup) = (model, setup);
        Receive<EvaluationJob>(Evaluate);
    }

    public static Props Props(ILanguageModel model, EvaluatorSetup setup) =>
        Akka.Actor.Props.Create(() => new EvaluatorActor(model, setup)).WithDispatcher(Persistence.StlmAkka.PinnedDispatcher);

    protected override void PreStart()
    {
        // OpenMP thread counts belong to the calling thread: this sets only the evaluator's.
        Torch.Threads.IntraOp = _setup.Threads;
        _heldOut = _setup.OpenHeldOut();
    }

    protected override void PostStop() => _heldOut?.Dispose();

    void Evaluate(EvaluationJob job)
    {
        object answer = job.Task == HeldOutTask
            ? new HeldOutScored(job.Id, null)
            : new ShardScored(job.Id, job.From, null);
        try
        {
            try
            {
                _model.Module.LoadStateDict(job.Weights.Weights);
            }
            finally
            {
                job.Weights.Release();
            }
            answer = job.Task == HeldOutTask
                ? new HeldOutScored(job.Id, HeldOutEvaluation.Run(_model, _heldOut!, _setup.Batches, _setup.BatchSize))
                : Choice(job);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            RunLog.Of(Context).Warning("Evaluation {Task} of step {Step} failed: {Reason}", job.Task, job.Step, e.Message.ReplaceLineEndings(" "));
        }
        Sender.Tell(answer, Self);
    }

    ShardScored Choice(EvaluationJob job)
    {
        var task = _setup.Tasks.FirstOrDefault(t => t.Name == job.Task)
            ?? throw new InvalidOperationException($"no task {job.Task} in eval.tasks");
        // Built once: it wraps this evaluator's model, whose weights each job replaces in place.
        _scorer ??= ScoringModels.For(_model, _setup.Tokenizer);
        _model.Module.Eval();
        return new ShardScored(job.Id, job.From, task.ScoreRange(_scorer, job.From, job.To));
    }
}
