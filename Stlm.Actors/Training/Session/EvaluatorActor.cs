using Stlm.Actors.Runtime;
using Stlm.Actors.Training.Run;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Session;

// The evaluators' protocol.

/// <summary>A private copy of the weights after <paramref name="Step"/> to evaluate (the evaluator disposes it).</summary>
public sealed record EvaluateWeights(long Step, IReadOnlyList<KeyValuePair<string, Tensor>> Weights) : IDisposable
{
    /// <summary>Copies the module's weights on the training thread (between steps); training goes on meanwhile.</summary>
    public static EvaluateWeights Capture(long step, Module module)
    {
        using var _ = Torch.NoGrad();
        var copies = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in module.StateDict())
        {
            using var detached = tensor.Detach();
            copies.Add(new(name, detached.Clone().DetachFromScopes()));
        }
        return new EvaluateWeights(step, copies);
    }

    public void Dispose()
    {
        foreach (var (_, t) in Weights) t.Dispose();
    }
}

/// <summary>An evaluation is over (journaled when <paramref name="Bpb"/> is not null); the trainer counts them to finish cleanly.</summary>
public sealed record EvalDone(long Step, double? Bpb);

/// <summary>
/// Scores held-out bits per byte (<see cref="HeldOutEvaluation"/>) on its own model instance and
/// thread, loaded from a captured copy of the weights, with eval.threads libtorch threads, while
/// training goes on. The result is journaled as EvalCompleted(step, "heldout", bpb, nats per
/// token, tokens); the sender (the trainer) gets <see cref="EvalDone"/>.
/// <para>The model is built before training starts (building seeds the generators, which must
/// not happen while the trainer uses them).</para>
/// </summary>
public sealed class EvaluatorActor : ReceiveActor
{
    public const string HeldOutTask = "heldout";

    readonly ILanguageModel _model;
    readonly Func<TokenDataset> _openHeldOut;
    readonly int _batches, _batchSize, _threads;
    readonly IActorRef _run, _reporter;
    TokenDataset? _heldOut;

    public EvaluatorActor(ILanguageModel model, Func<TokenDataset> openHeldOut, int batches, int batchSize, int threads, IActorRef run, IActorRef reporter)
    {
        (_model, _openHeldOut, _batches, _batchSize, _threads, _run, _reporter) = (model, openHeldOut, batches, batchSize, threads, run, reporter);
        Receive<EvaluateWeights>(Evaluate);
    }

    public static Props Props(ILanguageModel model, Func<TokenDataset> openHeldOut, int batches, int batchSize, int threads, IActorRef run, IActorRef reporter) =>
        Runtime.Props.Create(() => new EvaluatorActor(model, openHeldOut, batches, batchSize, threads, run, reporter)).WithDedicatedThread();

    protected override void PreStart()
    {
        // OpenMP thread counts belong to the calling thread: this sets only the evaluator's.
        Torch.Threads.IntraOp = _threads;
        _heldOut = _openHeldOut();
    }

    protected override void PostStop() => _heldOut?.Dispose();

    void Evaluate(EvaluateWeights w)
    {
        double? bpb = null;
        try
        {
            using (w)
                _model.Module.LoadStateDict(w.Weights);
            var result = HeldOutEvaluation.Run(_model, _heldOut!, _batches, _batchSize);
            var state = RunActor.AskAsync(_run, new RecordEval(w.Step, HeldOutTask,
            [
                new("bpb", result.Bpb), new("nats_per_token", result.NatsPerToken), new("tokens", result.Tokens),
            ])).GetAwaiter().GetResult();
            bpb = result.Bpb;
            _reporter.Tell(new EvalEvent(state.Evals[^1]), Self);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // An evaluation that cannot be journaled (e.g. its step was rolled back) is only reported.
            Context.Log.Warning("Held-out evaluation of step {Step} failed: {Reason}", w.Step, e.Message);
        }
        Sender.Tell(new EvalDone(w.Step, bpb), Self);
    }
}

/// <summary>
/// eval.workers evaluators behind one address: each capture goes to an idle one, or waits in
/// order for the first that becomes idle; answers go back to whoever sent the capture.
/// </summary>
public sealed class EvaluatorPool : ReceiveActor
{
    readonly Queue<(EvaluateWeights Work, IActorRef ReplyTo)> _waiting = new();
    readonly Queue<IActorRef> _idle = new();
    readonly Dictionary<string, IActorRef> _busy = [];

    public EvaluatorPool(IReadOnlyList<Props> evaluators)
    {
        for (var i = 0; i < evaluators.Count; i++)
            _idle.Enqueue(Context.ActorOf(evaluators[i], $"evaluator-{i + 1}"));
        Receive<EvaluateWeights>(w =>
        {
            _waiting.Enqueue((w, Sender));
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
        while (_waiting.TryDequeue(out var w)) w.Work.Dispose();
    }

    void Dispatch()
    {
        while (_waiting.Count > 0 && _idle.Count > 0)
        {
            var (work, replyTo) = _waiting.Dequeue();
            var evaluator = _idle.Dequeue();
            _busy[evaluator.Path.ToString()] = replyTo;
            evaluator.Tell(work, Self);
        }
    }
}
