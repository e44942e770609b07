using System.CommandLine;
using System.Globalization;
using Serilog;
using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Host.Training;
using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.Data;
using Stlm.Model.Generation;
using Stlm.Model.LibTorch;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Host.Commands;

/// <summary>
/// `stlm train`: the main job. With no arguments it trains the quickstart preset (a ~1M-parameter
/// Llama on generated stories) in a plain loop over the shared training step, evaluates held-out
/// bits per byte, and prints a sample. Ctrl+C stops after the current step with a summary.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train a model (default: the ~1M-parameter quickstart preset on generated stories)");
        var configOptions = ConfigOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var config = TrainConfigLoader.Load(parse.GetValue(configOptions.File), parse.GetValue(configOptions.Set) ?? []);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                return Train(config, cancel.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command.WithLogging();
    }

    static int Train(Config config, CancellationToken cancel)
    {
        var recipe = TrainingRecipe.From(config);
        var corpus = recipe.PrepareCorpus(cancel);
        using var trainData = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, recipe.WindowLength);
        using var heldOut = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, recipe.WindowLength);

        var model = recipe.BuildModel(corpus.Tokenizer);
        using var optimizer = recipe.BuildOptimizer(model);
        var step = recipe.BuildStep(model, optimizer);
        var batches = recipe.Batches(trainData);
        var training = recipe.Training;
        var modelConfig = recipe.Model;
        Log.Information("Training a {Params:N0}-parameter {Architecture} ({Layers} layers, d-model {D}, context {T}) on {Tokens:N0} tokens of {Tokenizer}: {Steps} steps of {Batch}x{Accum} sequences, {Threads} thread(s)",
            model.Module.CountParameters().Total, modelConfig.Architecture, modelConfig.NLayers, modelConfig.DModel, modelConfig.ContextLength, trainData.Tokens,
            corpus.Tokenizer.Name, training.MaxSteps, training.BatchSize, training.GradAccum, Torch.Threads.IntraOp);

        var loop = new PlainTrainingLoop(step, batches, recipe.ScheduleSet(), heldOut, training.MaxSteps,
            recipe.EvalEverySteps, recipe.EvalBatches);
        var outcome = loop.Run(cancel);

        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Format(inv,
            "{0} {1} of {2} steps in {3:F0} s: {4:N0} tokens, {5:N0} tokens/s, loss {6:F3} -> {7:F3}, held-out {8:F3} bits per byte",
            outcome.Stopped ? "stopped after" : "trained", outcome.Steps, training.MaxSteps, outcome.Elapsed.TotalSeconds,
            outcome.Tokens, outcome.Tokens / Math.Max(1e-9, outcome.Elapsed.TotalSeconds), outcome.FirstLoss, outcome.LastLoss,
            outcome.HeldOut?.Bpb ?? double.NaN));

        var prompt = config.GetString("eval.sample-prompt");
        if (prompt.Length > 0 && outcome.Steps > 0 && !cancel.IsCancellationRequested)
            Console.Out.WriteLine($"sample: {Sample(model, corpus, prompt, config.GetInt("eval.sample-tokens"))}");
        return 0;
    }

    /// <summary>Greedy continuation of the prompt, so a run's sample is a function of its weights.</summary>
    static string Sample(ILanguageModel model, TrainingCorpus corpus, string prompt, int tokens)
    {
        var result = LanguageModelGenerator.Generate(model, corpus.Tokenizer, prompt, new SamplingOptions { Temperature = 0, MaxNewTokens = tokens });
        return (prompt + result.Text).ReplaceLineEndings(" ");
    }
}
