using Stlm.Model.LibTorch;

namespace Stlm.Tests.LibTorch;

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
}
