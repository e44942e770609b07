using System.CommandLine;
using System.Globalization;
using Stlm.Actors.Cluster.Evaluation;
using Stlm.Actors.Training.Recipe;
using Stlm.Host.Progress;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Eval;
using Stlm.Host.CommandLine;
using Stlm.Host.Eval;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm eval CHECKPOINT --text FILE [--stride N] [--json]`: bits per byte (normalised by the
/// file's UTF-8 length) and perplexity per model unit, over sliding windows.
/// `stlm eval CHECKPOINT --task NAME --data FILE [--limit N] [--json]`: multiple-choice accuracy
/// by log-likelihood (lm-evaluation-harness's acc and acc_norm) with standard errors.
/// Works for every architecture; CHECKPOINT is a folder or RUN[@STEP].
/// </summary>
public static class EvalCommand
{
    /// <summary>Exact says whether BitsPerByte is the model's exact −log₂ P(text) per byte; Bound says what it is otherwise.</summary>
    public sealed record TextReport(string Checkpoint, long Step, string Architecture, string File, double BitsPerByte,
        double Perplexity, string Unit, long Tokens, long Bytes, int Stride, bool Exact, string Bound);

    /// <summary>Standard errors are null for a single question (no spread to estimate).</summary>
    public sealed record TaskReport(string Checkpoint, long Step, string Architecture, string Task, string File, int Count,
        double Acc, double? AccStderr, double AccNorm, double? AccNormStderr);

    public static Command Create()
    {
        var checkpoint = new Argument<string>("CHECKPOINT") { Description = CheckpointReference.Help };
        var text = new Option<string?>("--text") { Description = "Score this text file: bits per byte and perplexity", HelpName = "FILE" };
        var task = new Option<string?>("--task") { Description = $"Multiple-choice task: {string.Join(", ", MultipleChoiceTasks.Names)}", HelpName = "NAME" };
        var data = new Option<string?>("--data") { Description = "The task's data file (jsonl, an MMLU csv, or HellaSwag in llama.cpp's text form)", HelpName = "FILE" };
        var limit = new Option<int?>("--limit") { Description = "Score only the first N questions", HelpName = "N" };
        var stride = new Option<int?>("--stride") { Description = "Units each window scores anew (default: half the context)", HelpName = "N" };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass (1 scores one at a time; results are the same)", HelpName = "N", DefaultValueFactory = _ => WindowBatches.DefaultRows };
        var json = SharedOptions.Json;
        var cluster = new Option<bool>("--cluster") { Description = "Score --task on the evaluator nodes of the cluster (cluster.seed-nodes); the numbers equal this process's" };
        var command = new Command("eval", "Evaluate a checkpoint: bits per byte of a text, or accuracy on a multiple-choice task")
        {
            checkpoint, text, task, data, limit, stride, batch, json, cluster,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var (textFile, taskName, dataFile) = (parse.GetValue(text), parse.GetValue(task), parse.GetValue(data));
            if ((textFile is null) == (taskName is null))
                throw new StlmException("eval: give either --text FILE or --task NAME --data FILE");
            if (taskName is not null && dataFile is null)
                throw new StlmException($"eval --task {taskName}: give the questions with --data FILE");
            if (taskName is not null && !MultipleChoiceTasks.Names.Contains(taskName.ToLowerInvariant()) && taskName.ToLowerInvariant() != "arc")
                throw new StlmException($"unknown task '{taskName}': use one of {string.Join(", ", MultipleChoiceTasks.Names)}");
            var input = textFile ?? dataFile!;
            if (!File.Exists(input)) throw new StlmException($"{input}: no such file");
            if (parse.GetValue(batch) < 1) throw new StlmException($"--batch {parse.GetValue(batch)}: give at least 1 window per forward pass");
            if (parse.GetValue(limit) is <= 0) throw new StlmException($"--limit {parse.GetValue(limit)}: give a positive number of questions");

            if (parse.GetValue(cluster))
            {
                if (taskName is null) throw new StlmException("eval --cluster scores a --task on the evaluator nodes; score --text in this process (drop --cluster)");
                var report = await ScoreTaskOnCluster(parse.GetValue(checkpoint)!, config.Load(parse), taskName.ToLowerInvariant(), dataFile!, parse.GetValue(limit), parse.GetValue(batch), ct);
                Print(report, parse.GetValue(json));
                return 0;
            }
            var loaded = await CheckpointReference.LoadModelAsync(parse.GetValue(checkpoint)!, config.Load(parse), ct);
            var scorer = ScoringModels.For(loaded.Model, loaded.Tokenizer, parse.GetValue(batch));
            if (textFile is not null)
            {
                var report = ScoreText(loaded, scorer, textFile, parse.GetValue(stride) ?? SlidingWindows.DefaultStride(scorer.ContextLength));
                if (parse.GetValue(json)) RunsJson.Print(report);
                else Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "{0}: {1:F4} bits per byte ({9}), perplexity {2:F3} per {3}, {4:N0} bytes{5} (stride {6}, {7} step {8})",
                    report.File, report.BitsPerByte, report.Perplexity, report.Unit.TrimEnd('s'), report.Bytes,
                    report.Unit == "bytes" ? "" : string.Format(CultureInfo.InvariantCulture, ", {0:N0} {1}", report.Tokens, report.Unit),
                    report.Stride, report.Architecture, report.Step, report.Bound));
            }
            else
            {
                Print(ScoreTask(loaded, scorer, taskName!.ToLowerInvariant(), dataFile!, parse.GetValue(limit), ct), parse.GetValue(json));
            }
            return 0;
        });
        return command;
    }

    static void Print(TaskReport report, bool json)
    {
        if (json) RunsJson.Print(report);
        else Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture,
            "{0}: acc {1:F4} ± {2:F4}, acc_norm {3:F4} ± {4:F4}, count {5} ({6} step {7})",
            report.Task, report.Acc, report.AccStderr ?? double.NaN, report.AccNorm, report.AccNormStderr ?? double.NaN, report.Count, report.Architecture, report.Step));
    }

    static TextReport ScoreText(CheckpointModel loaded, IScoringModel scorer, string file, int stride)
    {
        var text = File.ReadAllText(file);
        if (text.Length == 0) throw new StlmException($"{file}: no text to score");
        BitsPerByte result;
        using (var progress = ProgressDisplay.Start(new ProgressOptions("scoring", null, scorer.Unit)))
            result = scorer.ScoreText(text, stride, (done, _) => progress.Report(done));
        if (result.Tokens == 0) throw new StlmException($"{file}: no text to score");
        return new TextReport(loaded.Checkpoint.Path, loaded.Checkpoint.Info.Step, loaded.Recipe.Model.Architecture.ToString(), Path.GetFullPath(file),
            result.Bpb, result.TokenPerplexity, scorer.Unit, result.Tokens, result.Bytes, stride, scorer.Exactness.IsExact, scorer.Exactness.Note);
    }

    static IReadOnlyList<MultipleChoiceItem> ReadQuestions(string task, string file, int? limit)
    {
        var items = MultipleChoiceTasks.Read(task, file);
        if (limit is { } n) items = items.Take(n).ToList();
        if (items.Count == 0) throw new StlmException($"{file}: no {task} questions in it");
        return items;
    }

    static async Task<TaskReport> ScoreTaskOnCluster(string reference, Actors.Configuration.Config config, string task, string file, int? limit, int batchRows, CancellationToken ct)
    {
        var resolved = await CheckpointReference.ResolveAsync(reference, config, ct);
        var items = ReadQuestions(task, file, limit);
        var result = await EvalOnCluster.ScoreTaskAsync(config, resolved.Checkpoint, task, items, batchRows, ct);
        var recipe = CheckpointModel.RecipeOf(resolved.Checkpoint, resolved.RunConfigText, resolved.Paths);
        return new TaskReport(resolved.Checkpoint.Path, resolved.Checkpoint.Info.Step, recipe.Model.Architecture.ToString(), task, Path.GetFullPath(file),
            result.Count, result.Acc, Finite(result.AccStderr), result.AccNorm, Finite(result.AccNormStderr));
    }

    static TaskReport ScoreTask(CheckpointModel loaded, IScoringModel scorer, string task, string file, int? limit, CancellationToken ct)
    {
        var items = ReadQuestions(task, file, limit);
        IReadOnlyList<MultipleChoiceScorer.ItemScore> scores;
        using (var progress = ProgressDisplay.Start(new ProgressOptions(task, items.Count, "questions")))
            scores = MultipleChoiceScorer.ScoreItems(items, scorer, EvaluationPlan.ItemsPerCall, done => progress.Report(done), ct);
        var result = MultipleChoiceScorer.Summarise(scores);
        return new TaskReport(loaded.Checkpoint.Path, loaded.Checkpoint.Info.Step, loaded.Recipe.Model.Architecture.ToString(), task, Path.GetFullPath(file),
            result.Count, result.Acc, Finite(result.AccStderr), result.AccNorm, Finite(result.AccNormStderr));
    }

    static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
