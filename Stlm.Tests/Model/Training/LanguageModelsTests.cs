using Stlm.Actors.Training.Recipe;
using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Model.Training;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training;

/// <summary>The recipe builds every architecture (and every Llama weight-sharing variant) as a model the training step drives.</summary>
public class LanguageModelsTests
{
    [Theory]
    [InlineData("llama", "none")]
    [InlineData("llama", "ffn")]
    [InlineData("llama", "ffn-attention")]
    [InlineData("llama", "interior-lora")]
    [InlineData("layerskip", "none")]
    [InlineData("mixture-of-depths", "none")]
    [InlineData("megabyte", "none")]
    [InlineData("byte-pooled", "none")]
    public void Every_architecture_takes_training_steps_that_lower_its_loss_on_one_batch(string architecture, string sharing)
    {
        using var dir = new TempDirectory();
        using var scope = TorchScope.Begin();
        var bpe = TinyCheckpoints.BpeFor(architecture, dir);
        string[] sets = [.. TinyCheckpoints.Sets(architecture, dir.Path, bpe), $"model.weight-sharing={sharing}", sharing == "interior-lora" ? "model.n-layers=3" : "model.n-layers=2",
            sharing == "interior-lora" ? "model.lora-rank=2" : "model.lora-rank=0", "training.grad-clip=0", "training.grad-accum=1"];
        var recipe = TrainingRecipe.From(TrainConfigLoader.Load(null, sets));
        var tokenizer = recipe.LoadTokenizer();
        var model = recipe.BuildModel(tokenizer);
        using var optimizer = recipe.BuildOptimizer(model);
        var step = recipe.BuildStep(model, optimizer);
        var ids = tokenizer.Encode("The cat saw a bird. The cat sat in the sun all day long. ");
        var t = Math.Min(recipe.WindowLength, ids.Length - 1);
        var micro = new MicroBatch(1, t, [.. ids[..t].Select(i => (long)i)], [.. ids[1..(t + 1)].Select(i => (long)i)]);
        var schedules = recipe.ScheduleSet();

        var losses = Enumerable.Range(0, 8).Select(s => step.Run(schedules.At(s) with { LearningRate = 1e-2 }, [micro]).Loss).ToList();

        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses[^1] < losses[0], $"{architecture}/{sharing}: {string.Join(", ", losses.Select(l => l.ToString("F3")))}");
    }

    [Theory]
    [InlineData("layerskip", "model.weight-sharing=ffn", "weight-sharing")]
    [InlineData("megabyte", "tokenizer.kind=corpus-bpe", "tokenizer.kind = \"bytes\"")]
    public void A_model_and_tokenizer_that_do_not_fit_are_refused_in_one_line(string architecture, string set, string named)
    {
        using var dir = new TempDirectory();
        var bpe = TinyCheckpoints.LearnBpe(dir.File("bpe"));
        string[] sets = [.. TinyCheckpoints.Sets(architecture, dir.Path), set, $"tokenizer.path=\"{bpe}\""];
        var recipe = TrainingRecipe.From(TrainConfigLoader.Load(null, sets));

        var e = Assert.Throws<StlmException>(() => recipe.BuildModel(recipe.LoadTokenizer()));

        Assert.Contains(named, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
