using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Recipe;
using Stlm.Actors.Training.Session;
using Stlm.Model.Checkpoints;
using Stlm.Model.Generation;

namespace Stlm.Host.Training;

/// <summary>
/// The greedy continuation of eval.sample-prompt by the weights of a committed checkpoint (the
/// session's last), so the sample a run ends with is a function of what it stored. Every
/// architecture samples through its own generator.
/// </summary>
public static class FinalSample
{
    /// <summary>The prompt and its continuation on one line, or null when the config asks for no sample.</summary>
    public static string? Of(Config runConfig, CheckpointEvent checkpoint, CancellationToken cancel)
    {
        var prompt = runConfig.GetString("eval.sample-prompt");
        if (prompt.Length == 0 || cancel.IsCancellationRequested) return null;
        var loaded = CheckpointModel.Load(Checkpoint.Open(checkpoint.Path, expectedContentHash: checkpoint.ContentHash), runConfig.ToHocon());
        var result = LanguageModelGenerator.Generate(loaded.Model, loaded.Tokenizer, prompt,
            new SamplingOptions { Temperature = 0, MaxNewTokens = runConfig.GetInt("eval.sample-tokens") });
        return (prompt + result.Text).ReplaceLineEndings(" ");
    }
}
