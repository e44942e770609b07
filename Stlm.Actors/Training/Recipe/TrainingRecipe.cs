using Stlm.Actors.Configuration;
using Stlm.Actors.Schedules;
using Stlm.Model;
using Stlm.Model.Architectures;
using Stlm.Model.Data;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Optim;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Recipe;

/// <summary>
/// What a run's resolved configuration decides, bound and validated once, and the objects built
/// from it: the corpus, the model, the optimizer, the step and the batches. Every driver (the
/// plain loop, the trainer actor, replay --verify, the benchmarks) builds from here, so the same
/// config always builds the same run.
/// <code>
/// var recipe = TrainingRecipe.From(TrainConfigLoader.Load(file, sets));
/// var corpus = recipe.PrepareCorpus(cancel);
/// var model = recipe.BuildModel();               // seeds the generators first
/// using var optimizer = recipe.BuildOptimizer(model);
/// var step = recipe.BuildStep(model, optimizer);
/// </code>
/// </summary>
public sealed partial record TrainingRecipe(
    Config Config,
    ModelConfig Model,
    TrainingConfig Training,
    SchedulesConfig Schedules,
    ulong TorchSeed,
    ulong DataSeed,
    int Threads,
    int BlasThreads,
    Precision Precision,
    Device Device,
    int EvalEverySteps,
    int EvalBatches)
{
    public static TrainingRecipe From(Config config)
    {
        var model = config.Bind<ModelConfig>("model");
        model.Validate();
        var training = config.Bind<TrainingConfig>(TrainingConfig.Section);
        training.Validate();
        return new TrainingRecipe(config, model, training, SchedulesSection.Load(config),
            (ulong)config.GetLong("torch.seed"), (ulong)config.GetLong("data.seed"), config.GetInt("torch.threads"),
            BlasThreadsOf(config), PrecisionOf(config), DeviceOf(config), config.GetInt("eval.every-steps"), config.GetInt("eval.batches"));
    }

    /// <summary>
    /// The recipe on <paramref name="device"/> instead of torch.device's GPU (null: unchanged): a
    /// cluster slot's or a rank's own GPU. A run configured for the CPU stays there: its numbers
    /// would change with the device, which takes a fork.
    /// </summary>
    public TrainingRecipe OnDevice(Device? device)
    {
        if (device is not { } d || d == Device) return this;
        if (!Device.IsCuda || !d.IsCuda)
            throw new StlmException($"a run configured for torch.device = \"{Device}\" cannot train on {d}: its numbers would change with the device (fork it with --set 'torch.device=\"{d.Type.ToString().ToLowerInvariant()}\"')");
        var visible = Torch.CudaIsAvailable ? Torch.CudaDeviceCount : 0;
        if (d.Index >= visible)
            throw new StlmException($"{d} is not a CUDA device of this machine ({(visible == 0 ? "this libtorch sees none" : $"cuda:0 to cuda:{visible - 1}")})");
        return this with { Device = d };
    }

    /// <summary>
    /// torch.device, checked against this libtorch: a run that trained on a GPU does not quietly
    /// carry on on the CPU (its numbers would differ), and a CPU run never loads CUDA to find out.
    /// torch.dtype is checked here too, as weights stay float32 whatever the precision.
    /// </summary>
    static Device DeviceOf(Config config)
    {
        if (config.HasPath("torch.dtype") && config.GetString("torch.dtype") is var dtype && dtype != "float32")
            throw new ConfigException(config.GetValue("torch.dtype").Origin,
                $"torch.dtype = \"{dtype}\": training keeps weights, optimizer state and checkpoints in float32",
                "for bfloat16 arithmetic set torch.precision = \"bf16-mixed\" and leave torch.dtype = \"float32\"");
        var text = config.GetString("torch.device");
        Device device;
        try { device = Device.Parse(text); }
        catch (StlmException e) { throw new ConfigException(config.GetValue("torch.device").Origin, $"torch.device = \"{text}\": {e.Message}", "use \"cpu\", \"cuda\" or \"cuda:N\""); }
        if (!device.IsCuda) return device;
        var visible = Torch.CudaIsAvailable ? Torch.CudaDeviceCount : 0;
        if (device.Index >= visible)
            throw new ConfigException(config.GetValue("torch.device").Origin,
                visible == 0 ? $"torch.device = \"{text}\" but this libtorch sees no CUDA device (built without CUDA, or no GPU visible)"
                             : $"torch.device = \"{text}\" but this machine has {visible} CUDA device(s) (cuda:0 to cuda:{visible - 1})",
                "train where that GPU is, or use --set 'torch.device=\"cpu\"' (with stlm fork for a run that trained on a GPU: its trajectory changes with the device)");
        return device;
    }

    static Precision PrecisionOf(Config config)
    {
        // Runs journaled before torch.precision existed trained in float32, and resume and fork keep that.
        if (!config.HasPath("torch.precision")) return Precision.Float32;
        var text = config.GetString("torch.precision");
        return Precisions.TryParse(text) ?? throw new ConfigException(config.GetValue("torch.precision").Origin,
            $"torch.precision = \"{text}\" is not a precision", $"use {Precisions.Names}");
    }

    static int BlasThreadsOf(Config config)
    {
        var n = config.GetInt("torch.blas-threads");
        if (n < 0)
            throw new ConfigException(config.GetValue("torch.blas-threads").Origin, $"torch.blas-threads = {n} is negative",
                "give a thread count, or 0 to leave OpenBLAS's own choice (one per core)");
        return n;
    }

    /// <summary>The tokenizer and token shards (made once, then reused), checked against the model.</summary>
    public TrainingCorpus PrepareCorpus(CancellationToken cancel)
    {
        var corpus = TrainingCorpus.Ensure(Config, Model.VocabSize, cancel);
        LanguageModels.Check(Model, corpus.Tokenizer);
        return corpus;
    }

    /// <summary>
    /// Sets the thread counts (torch.threads, torch.blas-threads), seeds the generators with torch.seed and builds the model's initial
    /// weights, for any model.architecture (<see cref="LanguageModels"/>). The byte-pooled model
    /// reads its chunk boundaries from the run's tokenizer, which must exist by then (PrepareCorpus makes it).
    /// </summary>
    public ILanguageModel BuildModel() => BuildModel(LanguageModels.NeedsTokenizer(Model) ? LoadTokenizer() : null);

    public AdamW BuildOptimizer(ILanguageModel model) => TrainStep.AdamWFor(model.Module, Training.Optimizer.ToAdamW());

    public TrainStep BuildStep(ILanguageModel model, Optimizer optimizer) =>
        new(model, optimizer, Training.StepOptions with { Precision = Precision });


    /// <summary>The schedules' values by step, with the run's journaled overrides.</summary>
    public ScheduleSet ScheduleSet(IReadOnlyList<ScheduleOverride>? overrides = null) => new(Schedules, overrides);
}
