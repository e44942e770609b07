using Stlm.Actors.Training.Recipe;
using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Distributed;
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
    public void A_cpu_run_stays_on_the_cpu_when_handed_a_gpu_and_data_parallel_gpu_ranks_each_get_a_device_and_nccl()
    {
        using var dir = new TempDirectory();
        var cpu = RecipeWith(dir, "training.data-parallel.world-size=2");
        Assert.Same(cpu, cpu.OnDevice(null));
        Assert.Same(cpu, cpu.OnDevice(Device.Cpu));
        var refused = Assert.Throws<StlmException>(() => cpu.OnDevice(Device.Cuda(0))).Message;
        Assert.Equal("a run configured for torch.device = \"cpu\" cannot train on cuda:0: its numbers would change with the device (fork it with --set 'torch.device=\"cuda\"')", refused);
        Assert.Equal(Device.Cpu, cpu.DeviceOfRank(1));
        Assert.Equal(Backend.Gloo, cpu.GroupOptions(1, "127.0.0.1", 29500).Backend);

        // As a GPU run would be built where its GPUs are: ranks on one machine count up from torch.device's.
        var gpu = cpu with { Device = Device.Cuda(1) };
        Assert.Equal(Device.Cuda(1), gpu.DeviceOfRank(0));
        Assert.Equal(Device.Cuda(2), gpu.DeviceOfRank(1));
        Assert.Equal(Backend.Nccl, gpu.GroupOptions(1, "127.0.0.1", 29500).Backend);
        if (!Torch.CudaIsAvailable)
            Assert.Contains("is not a CUDA device of this machine (this libtorch sees none)", Assert.Throws<StlmException>(() => gpu.OnDevice(Device.Cuda(0))).Message);
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
