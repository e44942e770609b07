using Stlm.Model.Architectures;
using Stlm.Model.Checkpoints;
using Stlm.Model.LibTorch;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Recipe;

/// <summary>The recipe's model side: any architecture, the tokenizer it reads, the window it trains on.</summary>
public sealed partial record TrainingRecipe
{
    /// <summary>Corpus tokens per training window (open the token shards with this, not model.context-length).</summary>
    public int WindowLength => LanguageModels.WindowLength(Model);

    /// <summary>The run's tokenizer from its files (a corpus-bpe must have been learned: PrepareCorpus does it).</summary>
    public ITokenizer LoadTokenizer() => TrainingCorpus.LoadExistingTokenizer(Config);

    /// <summary>
    /// Copies the run's BPE files (none for the byte tokenizer) beside its checkpoints in
    /// <paramref name="runCheckpoints"/>, once, for checkpoints to reference (<see cref="CheckpointTokenizer"/>).
    /// </summary>
    public CheckpointTokenizer? KeepTokenizerWith(string runCheckpoints) => Config.GetString("tokenizer.kind") switch
    {
        "gpt2-bpe" => CheckpointTokenizer.Store("gpt2", Config.GetString("tokenizer.path"), runCheckpoints),
        "bpe" or "corpus-bpe" => CheckpointTokenizer.Store("bpe", Config.GetString("tokenizer.path"), runCheckpoints),
        _ => null,
    };

    /// <summary><see cref="BuildModel()"/> with the tokenizer already at hand (null unless the architecture needs it), on torch.device.</summary>
    public ILanguageModel BuildModel(ITokenizer? tokenizer)
    {
        Torch.Threads.IntraOp = Threads;
        if (BlasThreads > 0) Torch.Threads.Blas = BlasThreads;
        Torch.ManualSeed(TorchSeed);
        var model = LanguageModels.Build(Model, TorchSeed, tokenizer);
        // Weights are initialised on the CPU from (seed, name) alone, so a run starts from the same weights on any device.
        if (Device != Device.Cpu) model.Module.To(Device);
        return model;
    }
}
