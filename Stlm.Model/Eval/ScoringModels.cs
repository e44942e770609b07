using Stlm.Model.Architectures;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Model.Eval;

/// <summary>The scorer of any trained architecture; puts the model in eval mode (no dropout, no layer dropout, routing by prediction).</summary>
public static class ScoringModels
{
    public static IScoringModel For(ILanguageModel model, ITokenizer tokenizer) => For(model, tokenizer, WindowBatches.DefaultRows);

    /// <summary>A scorer that runs up to <paramref name="batchRows"/> windows per forward pass (1: one at a time).</summary>
    public static IScoringModel For(ILanguageModel model, ITokenizer tokenizer, int batchRows)
    {
        if (batchRows < 1) throw new StlmException($"a scoring batch of {batchRows} rows: give at least 1");
        model.Module.Eval();
        return model switch
        {
            ICausalLanguageModel tokens => new TokenScoringModel(tokens, tokenizer) { BatchRows = batchRows },
            BytePooledLm pooled => new BytePooledScoringModel(pooled, pooled.Boundaries) { BatchRows = batchRows },
            MegabyteLm megabyte => new MegabyteScoringModel(megabyte) { BatchRows = batchRows },
            _ => throw new StlmException($"no scorer for a {model.GetType().Name}"),
        };
    }
}
