using Stlm.Model.LibTorch;
using Stlm.Model.Nn;
using Stlm.Model.Schedules;
using Stlm.Model.Training;

namespace Stlm.Model.Architectures;

/// <summary>
/// The baseline token model's parts, under the baseline's names, for the architectures that
/// change only what happens between them (LayerSkip, mixture-of-depths):
///   x = embed_dropout(embed_tokens(ids))        [B, T, d]      <see cref="Embed"/>
///   … the subclass runs model.layers on x …
///   logits = lm_head(model.norm(x))             [B, T, V]      <see cref="Exit"/>
/// Each subclass writes its own forward pass and loss with these two ends.
/// </summary>
public abstract class TokenStackLm : Module, ICausalLanguageModel, ILanguageModel
{
    readonly Dropout embeddingDropout;
    Linear? lmHead;

    protected TokenStackLm(TokenStackConfig stack)
    {
        stack.Validate();
        Stack = stack;
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(stack.VocabSize, stack.Core.DModel, initStd: stack.Core.Block.InitStd));
        embeddingDropout = RegisterModule("embed_dropout", new Dropout(stack.Core.Block.Dropout));
        Model = RegisterModule("model", new CausalStack(stack.Core));
    }

    public TokenStackConfig Stack { get; }
    public Embedding EmbedTokens { get; }
    public CausalStack Model { get; }
    public Linear LmHead => lmHead ?? throw new InvalidOperationException($"{GetType().Name} has not registered its head");

    public int VocabSize => Stack.VocabSize;
    public int ContextLength => Stack.Core.ContextLength;
    public int LayerCount => Model.LayerCount;

    Module ILanguageModel.Module => this;

    Tensor ILanguageModel.Loss(Tensor inputs, Tensor targets) => Loss(inputs, targets);

    /// <summary>A step's schedule values; the base has none of its own to set (LayerSkip sets its early-exit values).</summary>
    public virtual void ApplySchedule(ScheduleValues values) { }

    public abstract Tensor Forward(Tensor ids, KvCache? cache = null);

    public abstract Tensor Loss(Tensor ids, Tensor targets, long ignoreIndex = -100);

    /// <summary>
    /// Subclasses register the head after their own modules: registration order is the
    /// parameters' order, which the optimizer and the gradient norm follow, so it stays the order
    /// the architectures were first trained in.
    /// </summary>
    protected void RegisterLmHead() => lmHead = RegisterModule("lm_head", Stack.TieEmbeddings
        ? new Linear(EmbedTokens.Weight)
        : new Linear(Stack.Core.DModel, Stack.VocabSize, ParameterGroup.Head, initStd: Stack.Core.Block.InitStd));

    /// <summary>ids [B, T] → embeddings [B, T, d] (dropout applies when training).</summary>
    protected Tensor Embed(Tensor ids) => embeddingDropout.Forward(EmbedTokens.Forward(ids));

    /// <summary>An exit: hidden [B, T, d] after any layer → logits [B, T, V] through the final norm and the head.</summary>
    public Tensor Exit(Tensor hidden)
    {
        using var scope = TorchScope.Begin();
        return scope.Keep(LmHead.Forward(Model.Norm.Forward(hidden)));
    }
}
