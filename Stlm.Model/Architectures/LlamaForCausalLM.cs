using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using F = Stlm.Model.LibTorch.Functional;

namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline "modern transformer" of the paper, in Hugging Face's LlamaForCausalLM shape and
/// names: model.{embed_tokens, layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
/// post_attention_layernorm, mlp.{gate,up,down}_proj}, norm} and lm_head. With tied embeddings
/// the head multiplies by the embedding matrix itself (the state dict lists it once).
/// Weights are initialised from (config, seed) alone.
/// </summary>
public sealed class LlamaForCausalLM : Module, ICausalLanguageModel
{
    public ModelConfig Config { get; }
    public LlamaModel Model { get; }
    public Linear LmHead { get; }

    public LlamaForCausalLM(ModelConfig config, ulong seed)
    {
        config.Validate();
        if (config.Architecture != ArchitectureKind.Llama)
            throw new StlmException($"model: architecture = {config.Architecture} is not built by LlamaForCausalLM; set model.architecture = llama");
        Config = config;
        Model = RegisterModule("model", new LlamaModel(config));
        LmHead = RegisterModule("lm_head", config.TieEmbeddings
            ? new Linear(Model.EmbedTokens.Weight)
            : new Linear(config.DModel, config.VocabSize, ParameterGroup.Head, initStd: config.InitStd));
        InitializeWeights(seed);
    }

    public int VocabSize => Config.VocabSize;
    public int ContextLength => Config.ContextLength;
    public int LayerCount => Config.NLayers;

    /// <summary>ids [B, T] (int64) → logits [B, T, V].</summary>
    public Tensor Forward(Tensor ids, KvCache? cache = null)
    {
        using var scope = TorchScope.Begin();
        var hidden = Model.Forward(ids, cache);          // [B, T, d]
        return scope.Keep(LmHead.Forward(hidden));       // [B, T, V]
    }

    /// <summary>
    /// Forward and loss in one call: ids [B, T], targets [B, T] → scalar loss. The head and the
    /// cross-entropy are fused so the [B·T, V] logits are never kept (the same value and gradients).
    /// </summary>
    public Tensor Loss(Tensor ids, Tensor targets, long ignoreIndex = -100)
    {
        using var scope = TorchScope.Begin();
        var hidden = Model.Forward(ids);                                  // [B, T, d]
        if (LmHead.Bias is not null)
            return scope.Keep(LanguageModelLoss.CrossEntropy(LmHead.Forward(hidden), targets, ignoreIndex));
        return scope.Keep(F.LinearCrossEntropy(hidden, LmHead.Weight.Value, targets, ignoreIndex));
    }
}
