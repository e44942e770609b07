using Stlm.Model.Architectures;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Model.Eval;

/// <summary>The scorer of any trained architecture; puts the model in eval mode (no dropout, no layer dropout, routing by prediction).</summary>
public static class ScoringModels
{
    public static IScoringModel For(ILanguageModel model, ITokenizer tokenizer)
    {
        model.Module.Eval();
        return model switch
        {
            CausalLanguageModel causal => new TokenScoringModel(causal.Model, tokenizer),
            LayerSkipLm layerSkip => new TokenScoringModel(layerSkip, tokenizer),
            MixtureOfDepthsLm routed => new TokenScoringModel(routed, tokenizer),
            BytePooledLanguageModel pooled => new BytePooledScoringModel(pooled.Model, pooled.Boundaries),
            MegabyteLanguageModel megabyte => new MegabyteScoringModel(megabyte.Model),
            _ => throw new StlmException($"no scorer for a {model.GetType().Name}"),
        };
    }
}
