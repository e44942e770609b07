using Stlm.Actors.Configuration;
using Stlm.Model;
using Stlm.Model.Checkpoints;
using Stlm.Model.Tokenizers;
using Stlm.Model.Training;

namespace Stlm.Actors.Training.Recipe;

/// <summary>
/// A checkpoint's model ready to evaluate, generate with or export: rebuilt from the run's
/// resolved config (the checkpoint's own, or the run's when an older checkpoint lacks it), its
/// tokenizer loaded from the copy kept beside the checkpoints (<see cref="CheckpointTokenizer"/>)
/// or, for older checkpoints and a missing copy, from the files the config names, its weights
/// put back in place, in eval mode.
/// </summary>
public sealed record CheckpointModel(Checkpoint Checkpoint, TrainingRecipe Recipe, ITokenizer Tokenizer, ILanguageModel Model)
{
    /// <param name="paths">this process's data folder: the config's paths under the folder the run was trained in are moved there (tokenizer files)</param>
    public static CheckpointModel Load(Checkpoint checkpoint, string? fallbackConfigText = null, Run.DataFolderPaths? paths = null)
    {
        var recipe = RecipeOf(checkpoint, fallbackConfigText, paths);
        var tokenizer = LoadTokenizer(checkpoint, recipe);
        var model = recipe.BuildModel(tokenizer);
        checkpoint.Restore(model.Module.StateDict(), optimizer: null, restoreRng: false);
        model.Module.Eval();
        return new CheckpointModel(checkpoint, recipe, tokenizer, model);
    }

    /// <summary>The checkpoint's recipe (its config, or the run's for an older checkpoint), without building the model.</summary>
    public static TrainingRecipe RecipeOf(Checkpoint checkpoint, string? fallbackConfigText = null, Run.DataFolderPaths? paths = null)
    {
        var text = checkpoint.Info.Config ?? fallbackConfigText
            ?? throw new StlmException($"checkpoint {checkpoint.Path} holds no config (written before checkpoints kept theirs); name it as RUN@STEP so the run's config is used");
        Config config;
        try { config = Config.ParseString(text, $"{checkpoint.Name}/checkpoint.json config").Resolve(); }
        catch (Exception e) when (e is not StlmException) { throw new StlmException($"checkpoint {checkpoint.Path}: its config does not parse ({e.Message.ReplaceLineEndings(" ")})", e); }
        if (paths is not null) config = paths.Relocate(config);
        return TrainingRecipe.From(config);
    }

    static ITokenizer LoadTokenizer(Checkpoint checkpoint, TrainingRecipe recipe)
    {
        if (checkpoint.Info.Tokenizer is not { } kept) return recipe.LoadTokenizer();
        var (spec, problem) = kept.Locate(checkpoint.Path);
        if (spec is not null) return TokenizerSpec.Load(spec);
        try { return recipe.LoadTokenizer(); }
        catch (StlmException e)
        {
            throw new StlmException($"checkpoint {checkpoint.Path}: its tokenizer copy is unusable ({problem}) and the config's tokenizer does not load either ({e.Message}); restore the run's {CheckpointTokenizer.FolderPrefix}* folder beside its checkpoints");
        }
    }
}
