using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline token model's parts, under their own names (embed_tokens, model.layers.N,
/// model.norm, lm_head), for the architectures that change only what happens between them
/// (LayerSkip, mixture-of-depths):
///   x = embed_dropout(embed_tokens(ids))        [B, T, d]      <see cref="Embed"/>
///   … the subclass runs model.layers on x …
///   logits = lm_head(model.norm(x))             [B, T, V]      <see cref="Exit"/>
/// Each subclass writes its own forward pass and its one loss with these two ends.
/// </summary>
public abstract class TokenStackLm : Module, ICausalLanguageModel, ILanguageModel
{
    readonly Dropout embeddingDropout;
    Linear? lmHead;

    protected TokenStackLm(ModelConfig config)
    {
        config.Validate();
        Config = config;
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(config.VocabSize, config.DModel, initStd: config.InitStd));
        embeddingDropout = RegisterModule("embed_dropout", new Dropout(config.Dropout));
        Model = RegisterModule("model", new CausalStack(config));
    }

    public ModelConfig Config { get; }
    public Embedding EmbedTokens { get; }
    public CausalStack Model { get; }
    public Linear LmHead => lmHead ?? throw new InvalidOperationException($"{GetType().Name} has not registered its head");

    public int VocabSize => Config.VocabSize;
    public int ContextLength => Config.ContextLength;
    public int LayerCount => Model.LayerCount;

    Module ILanguageModel.Module => this;

    /// <summary>A step's schedule values; the base has none of its own to set (LayerSkip sets its early-exit values).</summary>
    public virtual void ApplySchedule(ScheduleValues values) { }

    public abstract Tensor Forward(Tensor ids, KvCache? cache = null);

    /// <summary>ids [B, T], targets [B, T] → the training loss (0-d).</summary>
    public abstract Tensor Loss(Tensor ids, Tensor targets);

    /// <summary>
    /// Subclasses register the head after their own modules: registration order is the
    /// parameters' order, which the optimizer and the gradient norm follow, so it stays the order
    /// the architectures were first trained in.
    /// </summary>
    protected void RegisterLmHead() => lmHead = RegisterModule("lm_head", Config.TieEmbeddings
        ? new Linear(EmbedTokens.Weight)
        : new Linear(Config.DModel, Config.VocabSize, ParameterGroup.Head, initStd: Config.InitStd));

    /// <summary>ids [B, T] → embeddings [B, T, d] (dropout applies when training).</summary>
    protected Tensor Embed(Tensor ids) => embeddingDropout.Forward(EmbedTokens.Forward(ids));

    /// <summary>An exit: hidden [B, T, d] after any layer → logits [B, T, V] through the final norm and the head.</summary>
    public Tensor Exit(Tensor hidden)
    {
        using var scope = TorchScope.Begin();
        return scope.Keep(LmHead.Forward(Model.Norm.Forward(hidden)));
    }
}
