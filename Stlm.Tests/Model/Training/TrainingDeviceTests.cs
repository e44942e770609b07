using Stlm.Actors.Training.Recipe;
using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.Training;

/// <summary>torch.device and torch.dtype decide where and in what a run trains, or refuse in one line.</summary>
[Collection(nameof(TorchGlobalState))]
public class TrainingDeviceTests
{
    static TrainingRecipe RecipeWith(TempDirectory dir, params string[] sets) =>
        TrainingRecipe.From(TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), .. sets]));

    [Fact]
    public void A_cpu_run_builds_its_model_on_the_cpu()
    {
        using var dir = new TempDirectory();
        var recipe = RecipeWith(dir);
        Assert.Equal(Device.Cpu, recipe.Device);
        Assert.Equal(Device.Cpu, recipe.BuildModel(null).Module.Device);
    }

    [Fact]
    public void A_gpu_this_libtorch_cannot_see_is_refused_in_one_line_naming_the_key_and_the_way_out()
    {
        using var dir = new TempDirectory();
        var missing = $"cuda:{(Torch.CudaIsAvailable ? Torch.CudaDeviceCount : 0)}";
        var refused = Assert.ThrowsAny<StlmException>(() => RecipeWith(dir, $"torch.device=\"{missing}\""));
        Assert.Contains($"torch.device = \"{missing}\"", refused.Message);
        Assert.Contains("--set 'torch.device=\"cpu\"'", refused.Message);
        Assert.DoesNotContain("\n", refused.Message);

        var unknown = Assert.ThrowsAny<StlmException>(() => RecipeWith(dir, "torch.device=tpu"));
        Assert.Contains("use \"cpu\", \"cuda\" or \"cuda:N\"", unknown.Message);
    }

    [Fact]
    public void A_dtype_other_than_float32_is_refused_and_points_at_bf16_mixed()
    {
        using var dir = new TempDirectory();
        var refused = Assert.ThrowsAny<StlmException>(() => RecipeWith(dir, "torch.dtype=bfloat16"));
        Assert.Contains("torch.dtype = \"bfloat16\"", refused.Message);
        Assert.Contains("bf16-mixed", refused.Message);
        Assert.DoesNotContain("\n", refused.Message);
    }
}
