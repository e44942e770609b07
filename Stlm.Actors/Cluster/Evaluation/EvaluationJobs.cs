using MessagePack;
using Stlm.Model.Eval;

namespace Stlm.Actors.Cluster.Evaluation;

// The work-pulling protocol between an EvaluationWorkQueue (on the node that owns the
// evaluations: a trainer, or `stlm eval --cluster`) and ClusterEvaluatorActors on nodes with the
// evaluator role (MessagePack, ClusterMessageSerializer):
//   queue → topic "stlm-eval-work" (DistributedPubSub): EvalWorkAvailable
//   idle evaluator → queue: EvalWorkWanted;  queue → evaluator: EvalJob or NoEvalWork
//   evaluator → queue: EvalJobDone or EvalJobFailed, then EvalWorkWanted again
// A job carries its own inputs (held-out windows or questions) and names its checkpoint by the
// journal's content hash; the evaluator fetches the checkpoint from the queue's node when it lacks it.

/// <summary>Published while a queue has jobs waiting: idle evaluators ask the sender for one.</summary>
[MessagePackObject]
public sealed record EvalWorkAvailable([property: Key("waiting")] int Waiting);

/// <summary>An idle evaluator asks for one job.</summary>
[MessagePackObject]
public sealed record EvalWorkWanted([property: Key("node")] string Node);

/// <summary>Nothing waits now (an evaluator asked after others took the jobs).</summary>
[MessagePackObject]
public sealed record NoEvalWork([property: Key("waiting")] int Waiting = 0);

/// <summary>
/// One shard of one evaluation of a checkpoint. <paramref name="JobId"/> is "run@step/task#shard":
/// a result is taken once per id. Exactly one of <paramref name="HeldOut"/> and
/// <paramref name="Questions"/> is set; <paramref name="BatchRows"/>: requests per forward pass when scoring questions.
/// </summary>
[MessagePackObject]
public sealed record EvalJob(
    [property: Key("job_id")] string JobId,
    [property: Key("attempt")] int Attempt,
    [property: Key("checkpoint_hash")] string CheckpointHash,
    [property: Key("checkpoint_path")] string CheckpointPath,
    [property: Key("task")] string Task,
    [property: Key("shard")] int Shard,
    [property: Key("held_out")] HeldOutWindows? HeldOut,
    [property: Key("questions")] IReadOnlyList<ChoiceQuestion>? Questions,
    [property: Key("batch_rows")] int BatchRows = 0)
{
    /// <summary>Items this job scores (windows or questions), for rates.</summary>
    [IgnoreMember] public int Items => HeldOut?.Rows ?? Questions?.Count ?? 0;
}

/// <summary>Held-out windows scored in batches of <paramref name="BatchSize"/> rows, as the one-process held-out evaluation batches them.</summary>
[MessagePackObject]
public sealed record HeldOutWindows([property: Key("window_length")] int WindowLength, [property: Key("batch_size")] int BatchSize, [property: Key("ids")] int[] Ids)
{
    [IgnoreMember] public int Rows => Ids.Length / WindowLength;
}

[MessagePackObject]
public sealed record ChoiceOption([property: Key("context")] string Context, [property: Key("continuation")] string Continuation, [property: Key("choice")] string Choice);

/// <summary>A multiple-choice question as it travels (the fields of <see cref="MultipleChoiceItem"/>).</summary>
[MessagePackObject]
public sealed record ChoiceQuestion([property: Key("origin")] string Origin, [property: Key("options")] IReadOnlyList<ChoiceOption> Options, [property: Key("gold")] int Gold)
{
    public static ChoiceQuestion From(MultipleChoiceItem item) =>
        new(item.Origin, [.. item.Options.Select(o => new ChoiceOption(o.Context, o.Continuation, o.Choice))], item.Gold);

    public MultipleChoiceItem ToItem() => new(Origin, [.. Options.Select(o => new MultipleChoiceOption(o.Context, o.Continuation, o.Choice))], Gold);
}

/// <summary>
/// A job's result: held-out → each batch's summed loss (nats) and tokens, in batch order;
/// questions → each question's option log-likelihoods, in question order.
/// </summary>
[MessagePackObject]
public sealed record EvalJobDone(
    [property: Key("job_id")] string JobId,
    [property: Key("batch_nll")] double[]? BatchNll,
    [property: Key("batch_tokens")] long[]? BatchTokens,
    [property: Key("log_probs")] IReadOnlyList<double[]>? LogProbs,
    [property: Key("seconds")] double Seconds);

/// <summary>A job that could not be done there (the queue gives it to another evaluator, a few times at most).</summary>
[MessagePackObject]
public sealed record EvalJobFailed([property: Key("job_id")] string JobId, [property: Key("reason")] string Reason);
