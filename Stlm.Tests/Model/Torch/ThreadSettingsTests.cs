using Stlm.Actors.Training.Recipe;
using Stlm.Model.LibTorch;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch;

/// <summary>Thread pools are process-wide, so these run alone.</summary>
[Collection(nameof(TorchGlobalState))]
public class ThreadSettingsTests
{
    [Fact]
    public void Thread_settings_read_back()
    {
        var before = Torch.Threads.IntraOp;
        try
        {
            Torch.Threads.IntraOp = 2;
            Assert.Equal(2, Torch.Threads.IntraOp);
        }
        finally
        {
            Torch.Threads.IntraOp = before;
        }
        Assert.True(Torch.Threads.InterOp >= 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.Threads.IntraOp = 0);
    }

    [Fact]
    public void Blas_threads_reach_the_loaded_openblas()
    {
        var before = Torch.Threads.Blas;
        Assert.NotNull(before); // ./stlm installs libopenblas0-pthread: libtorch's GEMMs run there
        try
        {
            Torch.Threads.Blas = 1;
            Assert.Equal(1, Torch.Threads.Blas);
            Torch.Threads.Blas = 2;
            Assert.Equal(2, Torch.Threads.Blas);
        }
        finally
        {
            Torch.Threads.Blas = before;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.Threads.Blas = 0);
    }

    [Fact]
    public void Building_a_model_applies_torch_blas_threads_and_zero_leaves_openblas_alone()
    {
        using var dir = new TempDirectory();
        var before = Torch.Threads.Blas;
        try
        {
            Torch.Threads.Blas = 2;
            TrainingRecipe.From(TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), "torch.blas-threads=1"])).BuildModel();
            Assert.Equal(1, Torch.Threads.Blas);
            TrainingRecipe.From(TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), "torch.blas-threads=0"])).BuildModel();
            Assert.Equal(1, Torch.Threads.Blas);
        }
        finally
        {
            Torch.Threads.Blas = before;
        }
        var negative = Assert.ThrowsAny<Stlm.Model.StlmException>(() =>
            TrainingRecipe.From(TrainConfigLoader.Load(null, [.. TinyCheckpoints.Sets("llama", dir.Path), "torch.blas-threads=-1"])));
        Assert.Contains("torch.blas-threads", negative.Message);
    }
}
