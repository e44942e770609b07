using System.CommandLine;
using System.Globalization;
using Serilog;
using Stlm.Actors.Configuration;
using Stlm.Actors.Schedules;
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
        var modelConfig = config.Bind<ModelConfig>("model");
        modelConfig.Validate();
        if (modelConfig.Architecture != ArchitectureKind.Llama)
            throw new StlmException($"model.architecture = {modelConfig.Architecture}: `stlm train` trains \"llama\" so far; the byte-level models plug in through ILanguageModel when they land");
        var training = config.Bind<TrainingConfig>(TrainingConfig.Section);
        training.Validate();
        var schedules = new ScheduleSet(SchedulesSection.Load(config));
        Torch.Threads.IntraOp = config.GetInt("torch.threads");
        var seed = (ulong)config.GetLong("torch.seed");

        var corpus = TrainingCorpusSetup.Ensure(config, modelConfig.VocabSize, cancel);
        if (corpus.Tokenizer.VocabSize > modelConfig.VocabSize)
            throw new StlmException($"the tokenizer {corpus.Tokenizer.Name} has {corpus.Tokenizer.VocabSize} tokens but model.vocab-size is {modelConfig.VocabSize}; set --set model.vocab-size={corpus.Tokenizer.VocabSize}");
        using var trainData = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Train, modelConfig.ContextLength);
        using var heldOut = TokenDataset.Open(corpus.ShardDirectory, DataSplit.Validation, modelConfig.ContextLength);

        Torch.ManualSeed(seed);
        var llama = new LlamaForCausalLM(modelConfig, seed);
        using var optimizer = TrainStep.AdamWFor(llama, training.Optimizer.ToAdamW());
        var step = new TrainStep(CausalLanguageModel.Of(llama), optimizer, training.StepOptions);
        var batches = new StepBatches(trainData, training.BatchSize, training.GradAccum, (ulong)config.GetLong("data.seed"));
        Log.Information("Training a {Params:N0}-parameter Llama ({Layers} layers, d-model {D}, context {T}) on {Tokens:N0} tokens of {Tokenizer}: {Steps} steps of {Batch}x{Accum} sequences, {Threads} thread(s)",
            llama.CountParameters().Total, modelConfig.NLayers, modelConfig.DModel, modelConfig.ContextLength, trainData.Tokens,
            corpus.Tokenizer.Name, training.MaxSteps, training.BatchSize, training.GradAccum, Torch.Threads.IntraOp);

        var loop = new PlainTrainingLoop(step, batches, schedules, heldOut, training.MaxSteps,
            config.GetInt("eval.every-steps"), config.GetInt("eval.batches"));
        var outcome = loop.Run(cancel);

        var inv = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Format(inv,
            "{0} {1} of {2} steps in {3:F0} s: {4:N0} tokens, {5:N0} tokens/s, loss {6:F3} -> {7:F3}, held-out {8:F3} bits per byte",
            outcome.Stopped ? "stopped after" : "trained", outcome.Steps, training.MaxSteps, outcome.Elapsed.TotalSeconds,
            outcome.Tokens, outcome.Tokens / Math.Max(1e-9, outcome.Elapsed.TotalSeconds), outcome.FirstLoss, outcome.LastLoss,
            outcome.HeldOut?.Bpb ?? double.NaN));

        var prompt = config.GetString("eval.sample-prompt");
        if (prompt.Length > 0 && outcome.Steps > 0 && !cancel.IsCancellationRequested)
            Console.Out.WriteLine($"sample: {Sample(llama, corpus, prompt, config.GetInt("eval.sample-tokens"))}");
        return 0;
    }

    /// <summary>Greedy continuation of the prompt, so a run's sample is a function of its weights.</summary>
    static string Sample(LlamaForCausalLM llama, TrainingCorpusSetup corpus, string prompt, int tokens)
    {
        llama.Eval();
        var ids = corpus.Tokenizer.Encode(prompt);
        var result = TextGenerator.Generate(llama, ids, new SamplingOptions
        {
            Temperature = 0, MaxNewTokens = Math.Min(tokens, llama.ContextLength - ids.Length), StopToken = corpus.Tokenizer.EndOfText,
        });
        return (prompt + corpus.Tokenizer.Decode(result.Tokens.ToArray())).ReplaceLineEndings(" ");
    }
}
