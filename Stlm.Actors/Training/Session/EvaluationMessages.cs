using Stlm.Model.LibTorch;
using Stlm.Model.Nn;

namespace Stlm.Actors.Training.Session;

// The evaluators' protocol: the trainer tells the pool EvaluateWeights; the pool splits it into
// jobs (held-out; each multiple-choice task cut into up to eval.workers shards of its questions),
// each to an idle evaluator; each task ends in one EvalDone to the trainer.

/// <summary>
/// A private copy of the weights after one step, shared by the evaluations of that step: each
/// evaluation holds a reference and gives it back with <see cref="Release"/>; the last one frees the tensors.
/// </summary>
public sealed class WeightsCopy
{
    int _holders;

    WeightsCopy(IReadOnlyList<KeyValuePair<string, Tensor>> weights, int holders) => (Weights, _holders) = (weights, holders);

    public IReadOnlyList<KeyValuePair<string, Tensor>> Weights { get; }

    /// <summary>Copies the module's weights on the training thread (between steps) for <paramref name="holders"/> evaluations.</summary>
    public static WeightsCopy Capture(Module module, int holders)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(holders, 1);
        using var _ = Torch.NoGrad();
        var copies = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in module.StateDict())
        {
            using var detached = tensor.Detach();
            copies.Add(new(name, detached.Clone().DetachFromScopes()));
        }
        return new WeightsCopy(copies, holders);
    }

    /// <summary>More evaluations will hold the copy (call before handing it on).</summary>
    public void Retain(int more) => Interlocked.Add(ref _holders, more);

    /// <summary>One holder is done with the copy (thread-safe).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0) return;
        foreach (var (_, t) in Weights) t.Dispose();
    }
}

/// <summary>Evaluate the weights after <paramref name="Step"/> on each of <paramref name="Tasks"/> ("heldout" and/or eval.tasks names), one holder of the copy per task.</summary>
public sealed record EvaluateWeights(long Step, WeightsCopy Weights, IReadOnlyList<string> Tasks)
{
    public static EvaluateWeights Capture(long step, Module module, IReadOnlyList<string> tasks) =>
        new(step, WeightsCopy.Capture(module, tasks.Count), tasks);
}

/// <summary>
/// One task on one step's weights, for one evaluator (it releases its hold on the weights): held
/// out, or the questions [<paramref name="From"/>, <paramref name="To"/>) of a multiple-choice task
/// (<paramref name="Id"/>: which of the pool's task evaluations the shard belongs to).
/// </summary>
public sealed record EvaluationJob(long Step, string Task, WeightsCopy Weights, int From = 0, int To = 0, long Id = 0);

/// <summary>An evaluator scored the held-out batches (null: it failed); the pool journals the result.</summary>
public sealed record HeldOutScored(long Id, Model.Eval.BitsPerByte? Result);

/// <summary>An evaluator scored a shard of a task's questions (null: it failed); the pool journals the task once all its shards are in.</summary>
public sealed record ShardScored(long Id, int From, IReadOnlyList<Model.Eval.MultipleChoiceScorer.ItemScore>? Scores);

/// <summary>
/// One evaluation is over; <paramref name="Journaled"/>: its EvalCompleted is in the journal (or
/// already was, from the run before a resume). <paramref name="Bpb"/> is the held-out result.
/// The trainer counts these to finish cleanly.
/// </summary>
public sealed record EvalDone(long Step, string Task, bool Journaled, double? Bpb = null);
