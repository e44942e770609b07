using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Model.Architectures;
using Stlm.Model.Checkpoints;
using Stlm.Model.Generation;

namespace Stlm.Host.Training;

/// <summary>
/// The greedy continuation of eval.sample-prompt by the weights of a committed checkpoint (the
/// session's last), so the sample a run ends with is a function of what it stored.
/// </summary>
public static class FinalSample
{
    /// <summary>The prompt and its continuation on one line, or null when the config asks for no sample.</summary>
    public static string? Of(Config runConfig, CheckpointEvent checkpoint, CancellationToken cancel)
    {
        var prompt = runConfig.GetString("eval.sample-prompt");
        if (prompt.Length == 0) return null;
        var recipe = TrainingRecipe.From(runConfig);
        var tokenizer = recipe.PrepareCorpus(cancel).Tokenizer;
        var model = recipe.BuildModel();
        if (model.Module is not ICausalLanguageModel causal) return null;
        Checkpoint.Open(checkpoint.Path, expectedContentHash: checkpoint.ContentHash).Restore(model.Module.StateDict(), restoreRng: false);
        model.Module.Eval();
        var ids = tokenizer.Encode(prompt);
        var result = TextGenerator.Generate(causal, ids, new SamplingOptions
        {
            Temperature = 0,
            MaxNewTokens = Math.Min(runConfig.GetInt("eval.sample-tokens"), causal.ContextLength - ids.Length),
            StopToken = tokenizer.EndOfText,
        });
        return (prompt + tokenizer.Decode(result.Tokens.ToArray())).ReplaceLineEndings(" ");
    }
}
