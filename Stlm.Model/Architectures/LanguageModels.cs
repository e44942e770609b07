using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Model.Architectures;

/// <summary>
/// The `model { … }` section → a trainable <see cref="ILanguageModel"/>, for every architecture:
/// <code>
///   llama              LlamaForCausalLM (every weight-sharing variant)
///   layerskip          LayerSkipLm (early-exit losses, layer dropout set by the schedule)
///   mixture-of-depths  MixtureOfDepthsLm (routing loss included)
///   byte-pooled        BytePooledLm: BPE token shards, the tokenizer used for chunk boundaries
///   megabyte           MegabyteLm: byte shards (tokenizer.kind = "bytes")
/// </code>
/// Initial weights are a function of the seed and each parameter's name only.
/// </summary>
public static class LanguageModels
{
    /// <summary>The model; <paramref name="tokenizer"/> may be null unless <see cref="NeedsTokenizer"/> (it is checked against the model when given).</summary>
    public static ILanguageModel Build(ModelConfig config, ulong seed, ITokenizer? tokenizer)
    {
        config.Validate();
        if (tokenizer is not null) Check(config, tokenizer);
        else if (NeedsTokenizer(config))
            throw new ArgumentNullException(nameof(tokenizer), $"architecture {config.Architecture} needs the run's tokenizer");
        return config.Architecture switch
        {
            ArchitectureKind.Llama => new LlamaForCausalLM(config, seed),
            ArchitectureKind.LayerSkip => new LayerSkipLm(config, seed),
            ArchitectureKind.MixtureOfDepths => new MixtureOfDepthsLm(config, seed),
            ArchitectureKind.BytePooled => new BytePooledLm(config, tokenizer!, seed),
            ArchitectureKind.Megabyte => new MegabyteLm(config, seed),
            _ => throw new StlmException($"model.architecture = {config.Architecture} is not known"),
        };
    }

    /// <summary>Whether building the model takes the tokenizer (byte-pooled: its boundaries).</summary>
    public static bool NeedsTokenizer(ModelConfig config) => config.Architecture == ArchitectureKind.BytePooled;

    /// <summary>Whether the model embeds the tokenizer's ids (so model.vocab-size must hold them).</summary>
    public static bool EmbedsTokenIds(ModelConfig config) =>
        config.Architecture is ArchitectureKind.Llama or ArchitectureKind.LayerSkip or ArchitectureKind.MixtureOfDepths;

    /// <summary>Corpus tokens per training window: the context, except MEGABYTE's (patches × patch size, less the one byte a target adds).</summary>
    public static int WindowLength(ModelConfig config) => config.Architecture == ArchitectureKind.Megabyte
        ? MegabyteLm.WindowLength(config)
        : config.ContextLength;

    /// <summary>The model and the run's tokenizer fit together (one line saying how to fix it otherwise).</summary>
    public static void Check(ModelConfig config, ITokenizer tokenizer)
    {
        if (config.WeightSharing != WeightSharing.None && config.Architecture != ArchitectureKind.Llama)
            throw new StlmException($"model.weight-sharing = {config.WeightSharing} applies to architecture = llama only (this is {config.Architecture}); set model.weight-sharing = \"none\"");
        if (EmbedsTokenIds(config) && tokenizer.VocabSize > config.VocabSize)
            throw new StlmException($"the tokenizer {tokenizer.Name} has {tokenizer.VocabSize} tokens but model.vocab-size is {config.VocabSize}; set --set model.vocab-size={tokenizer.VocabSize}");
        if (config.Architecture == ArchitectureKind.Megabyte && !MegabyteLm.Reads(tokenizer))
            throw new StlmException($"model.architecture = megabyte reads bytes but tokenizer is {tokenizer.Name}; set tokenizer.kind = \"bytes\"");
        if (config.Architecture == ArchitectureKind.BytePooled && tokenizer is ByteTokenizer)
            throw new StlmException("model.architecture = byte-pooled cuts bytes at the boundaries of a BPE but tokenizer.kind is \"bytes\"; set tokenizer.kind = \"corpus-bpe\", \"bpe\" or \"gpt2-bpe\"");
    }
}
