using Stlm.Model.Data;
using Stlm.Model.Eval;
using Stlm.Model.Training;

namespace Stlm.Actors.Cluster.Evaluation;

/// <summary>
/// One evaluation of one checkpoint cut into jobs (shards in order), with what its reduction needs:
/// the held-out split's totals, or the questions. <see cref="Key"/> is "run@step/task".
/// </summary>
public sealed record Evaluation(string RunId, long Step, string Task, IReadOnlyList<EvalJob> Jobs,
    HeldOutTotals? HeldOut = null, IReadOnlyList<MultipleChoiceItem>? Items = null)
{
    public string Key => $"{RunId}@{Step}/{Task}";

    public int ItemCount => Jobs.Sum(j => j.Items);
}

/// <summary>The held-out split's size, which bits per byte are credited against.</summary>
public sealed record HeldOutTotals(long SplitTokens, long SplitBytes);

/// <summary>An evaluation put back together: the metrics journaled in EvalCompleted, and the full result.</summary>
public sealed record EvaluationResult(IReadOnlyList<KeyValuePair<string, double>> Metrics, BitsPerByte? HeldOut, MultipleChoiceScorer.Result? Choice);

/// <summary>
/// Cuts evaluations into jobs and puts the shards' results back together in shard order, so the
/// numbers are those of one process scoring it all: held-out batches are the ones
/// <see cref="HeldOutEvaluation.Run"/> scores, summed in batch order; questions are cut at
/// multiples of <see cref="ItemsPerCall"/>, the slices `stlm eval --task` hands the scorer, so
/// every forward pass has the same rows and the log-likelihoods are bit for bit the same.
/// </summary>
public static class EvaluationPlan
{
    /// <summary>Questions handed to the scorer at once by `stlm eval --task` and by every evaluator.</summary>
    public const int ItemsPerCall = 128;

    public const string HeldOutTask = "heldout";

    /// <summary>Held-out bits per byte over <paramref name="batches"/> × <paramref name="batchSize"/> windows, <paramref name="batchesPerJob"/> batches a job.</summary>
    public static Evaluation HeldOut(string runId, long step, string hash, string path, TokenDataset heldOut, int batches, int batchSize, int batchesPerJob)
    {
        var windows = HeldOutEvaluation.Windows(heldOut, batches, batchSize);
        var jobs = new List<EvalJob>();
        var rowsPerJob = (long)batchSize * Math.Max(1, batchesPerJob);
        for (long from = 0; from < windows; from += rowsPerJob)
        {
            var rows = (int)Math.Min(rowsPerJob, windows - from);
            var ids = HeldOutEvaluation.ReadWindows(heldOut, from, rows);
            jobs.Add(Job(runId, step, hash, path, HeldOutTask, jobs.Count, new HeldOutWindows(heldOut.WindowLength, batchSize, ids), null, 0));
        }
        return new Evaluation(runId, step, HeldOutTask, jobs, HeldOut: new HeldOutTotals(heldOut.Tokens, heldOut.SourceBytes));
    }

    /// <summary>A multiple-choice task, <paramref name="callsPerJob"/> × <see cref="ItemsPerCall"/> questions a job.</summary>
    public static Evaluation Choice(string runId, long step, string hash, string path, string task, IReadOnlyList<MultipleChoiceItem> items,
        int callsPerJob = 1, int batchRows = WindowBatches.DefaultRows)
    {
        var perJob = ItemsPerCall * Math.Max(1, callsPerJob);
        var jobs = items.Chunk(perJob)
            .Select((slice, shard) => Job(runId, step, hash, path, task, shard, null, [.. slice.Select(ChoiceQuestion.From)], batchRows))
            .ToList();
        return new Evaluation(runId, step, task, jobs, Items: items);
    }

    static EvalJob Job(string runId, long step, string hash, string path, string task, int shard, HeldOutWindows? heldOut, IReadOnlyList<ChoiceQuestion>? questions, int batchRows) =>
        new($"{runId}@{step}/{task}#{shard}", 1, hash, path, task, shard, heldOut, questions, batchRows);

    /// <summary>The evaluation's result from its jobs' results, given in shard order.</summary>
    public static EvaluationResult Reduce(Evaluation evaluation, IReadOnlyList<EvalJobDone> byShard)
    {
        if (evaluation.HeldOut is { } totals)
        {
            double nll = 0;
            long tokens = 0;
            foreach (var done in byShard)
                for (var b = 0; b < done.BatchNll!.Length; b++)
                {
                    nll += done.BatchNll[b];
                    tokens += done.BatchTokens![b];
                }
            var bpb = BitsPerByte.FromSample(nll, tokens, totals.SplitTokens, totals.SplitBytes);
            return new EvaluationResult([new("bpb", bpb.Bpb), new("nats_per_token", bpb.NatsPerToken), new("tokens", bpb.Tokens)], bpb, null);
        }
        var items = evaluation.Items!;
        var logProbs = byShard.SelectMany(d => d.LogProbs!).ToList();
        if (logProbs.Count != items.Count) throw new InvalidOperationException($"{evaluation.Key}: {logProbs.Count} scores for {items.Count} questions");
        var result = MultipleChoiceScorer.Summarise([.. items.Select((item, i) => MultipleChoiceScorer.ScoreItem(item, _ => logProbs[i]))]);
        return new EvaluationResult([new("acc", result.Acc), new("acc_norm", result.AccNorm), new("items", result.Count)], null, result);
    }

    /// <summary>Does one job on a loaded model (in eval mode): what an evaluator node runs.</summary>
    public static EvalJobDone Score(EvalJob job, ILanguageModel model, Func<int, IScoringModel> scorer)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        if (job.HeldOut is { } windows)
        {
            var rows = windows.Rows;
            var batches = (rows + windows.BatchSize - 1) / windows.BatchSize;
            var (nll, tokens) = (new double[batches], new long[batches]);
            for (var b = 0; b < batches; b++)
            {
                var from = b * windows.BatchSize;
                var n = Math.Min(windows.BatchSize, rows - from);
                (nll[b], tokens[b]) = HeldOutEvaluation.ScoreBatch(model, windows.Ids[(from * windows.WindowLength)..((from + n) * windows.WindowLength)], n, windows.WindowLength);
            }
            return new EvalJobDone(job.JobId, nll, tokens, null, started.Elapsed.TotalSeconds);
        }
        var items = job.Questions!.Select(q => q.ToItem()).ToList();
        var scores = MultipleChoiceScorer.ScoreItems(items, scorer(job.BatchRows > 0 ? job.BatchRows : WindowBatches.DefaultRows), ItemsPerCall);
        return new EvalJobDone(job.JobId, null, null, [.. scores.Select(s => s.LogProbs)], started.Elapsed.TotalSeconds);
    }
}
