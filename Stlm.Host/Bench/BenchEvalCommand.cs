using System.CommandLine;
using System.Globalization;
using Stlm.Actors.Training.Recipe;
using Stlm.Host.Runs;
using Stlm.Model;
using Stlm.Model.Eval;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;
using Stlm.Host.CommandLine;

namespace Stlm.Host.Bench;

/// <summary>
/// `stlm bench eval`: multiple-choice questions/s and bits-per-byte windows/s with batched scoring
/// against one window per forward pass, in the same process, as ratios (medians over rounds),
/// and whether the two give bit-equal log-probabilities. The model is a checkpoint's, or the
/// configuration's (reference.conf ← training.preset ← --config ← --set) with its initial weights; the
/// questions are a task file's or generated ones, the text a file or generated English.
/// </summary>
public static class BenchEvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = CheckpointReference.Help + " (default: the configuration's model, initial weights)", HelpName = "CHECKPOINT" };
        var task = new Option<string?>("--task") { Description = $"Questions of this task from --data ({string.Join(", ", MultipleChoiceTasks.Names)}); default: generated", HelpName = "NAME" };
        var data = new Option<string?>("--data") { Description = "The task's data file", HelpName = "FILE" };
        var questions = new Option<int>("--questions") { Description = "Questions to score (generated, or the first of --data)", DefaultValueFactory = _ => 64, HelpName = "N" };
        var textFile = new Option<string?>("--text") { Description = "Text for bits per byte (default: generated English)", HelpName = "FILE" };
        var kilobytes = new Option<int>("--text-kb") { Description = "Size of the generated text", DefaultValueFactory = _ => 16, HelpName = "KB" };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass on the batched side", DefaultValueFactory = _ => WindowBatches.DefaultRows, HelpName = "N" };
        var rounds = new Option<int>("--rounds") { Description = "Rounds (the medians are reported)", DefaultValueFactory = _ => 3, HelpName = "N" };
        var json = SharedOptions.Json;
        var command = new Command("eval", "Batched against one-at-a-time scoring: questions/s and windows/s, as ratios")
        {
            checkpoint, task, data, questions, textFile, kilobytes, batch, rounds, json,
        };
        var config = ConfigOptions.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(rounds) < 1 || parse.GetValue(questions) < 1 || parse.GetValue(kilobytes) < 1 || parse.GetValue(batch) < 2)
                throw new StlmException("bench eval: --rounds, --questions and --text-kb must be at least 1 and --batch at least 2");
            if ((parse.GetValue(task) is null) != (parse.GetValue(data) is null))
                throw new StlmException("bench eval: give --task NAME and --data FILE together (or neither, for generated questions)");
            var resolved = TrainConfigLoader.Load(parse.GetValue(config.File), parse.GetValue(config.Set) ?? []);   // with training.preset, as `stlm train` resolves it
            var (name, model, tokenizer) = parse.GetValue(checkpoint) is { } reference
                ? FromCheckpoint(await CheckpointReference.LoadModelAsync(reference, resolved, ct))
                : FromConfig(TrainingRecipe.From(resolved), ct);
            var items = parse.GetValue(task) is { } t
                ? MultipleChoiceTasks.Read(t, parse.GetValue(data)!).Take(parse.GetValue(questions)).ToList()
                : EvalBenchmark.GeneratedQuestions(parse.GetValue(questions));
            var text = parse.GetValue(textFile) is { } f
                ? File.Exists(f) ? File.ReadAllText(f) : throw new StlmException($"{f}: no such text file")
                : SyntheticEnglish.Generate(parse.GetValue(kilobytes) * 1000, seed: 2);
            var result = EvalBenchmark.Run(name, model, tokenizer, items, text, parse.GetValue(batch), parse.GetValue(rounds),
                parse.GetValue(json) ? null : line => Console.Error.WriteLine(line));
            if (parse.GetValue(json)) RunsJson.Print(result);
            else Print(result);
            return 0;
        });
        return command;
    }

    static (string, ILanguageModel, ITokenizer) FromCheckpoint(CheckpointModel loaded) =>
        ($"{loaded.Recipe.Model.Architecture} step {loaded.Checkpoint.Info.Step}", loaded.Model, loaded.Tokenizer);

    /// <summary>The configuration's model with initial weights; a corpus BPE not learned yet is learned first (with the corpus).</summary>
    static (string, ILanguageModel, ITokenizer) FromConfig(TrainingRecipe recipe, CancellationToken ct)
    {
        ITokenizer tokenizer;
        try { tokenizer = recipe.LoadTokenizer(); }
        catch (StlmException) { tokenizer = recipe.PrepareCorpus(ct).Tokenizer; }
        return ($"{recipe.Model.Architecture} (initial weights)", recipe.BuildModel(tokenizer), tokenizer);
    }

    static void Print(EvalBenchResult r)
    {
        var c = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Format(c, "{0}, {1:N0} parameters, scored in {2}; medians of {3} rounds, batch {4} vs 1:",
            r.Model, r.Parameters, r.Unit, r.Rounds, r.Batched.BatchRows));
        Console.Out.WriteLine(string.Format(c, "multiple choice ({0} questions, {1} options): batched {2:F1} vs {3:F1} questions/s = {4:F2}x (per CPU second {6:F1} vs {7:F1} = {8:F2}x); {5}",
            r.Questions, r.Options, r.Batched.QuestionsPerSecond, r.Unbatched.QuestionsPerSecond, r.QuestionRatio,
            r.BitEqualOptions == r.Options ? "every log-prob bit-equal" : $"{r.BitEqualOptions}/{r.Options} log-probs bit-equal, max difference {r.MaxOptionDifference:G3}",
            r.Batched.QuestionsPerCpuSecond, r.Unbatched.QuestionsPerCpuSecond, r.QuestionCpuRatio));
        Console.Out.WriteLine(string.Format(c, "bits per byte ({0} windows): batched {1:F1} vs {2:F1} windows/s = {3:F2}x (per CPU second {5:F1} vs {6:F1} = {7:F2}x); {4}",
            r.Windows, r.Batched.WindowsPerSecond, r.Unbatched.WindowsPerSecond, r.WindowRatio,
            r.TextBitEqual ? "total bit-equal" : $"total differs by {r.TextDifference:G3} nats",
            r.Batched.WindowsPerCpuSecond, r.Unbatched.WindowsPerCpuSecond, r.WindowCpuRatio));
    }
}
