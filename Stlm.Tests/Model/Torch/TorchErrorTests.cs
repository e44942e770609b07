using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class TorchErrorTests
{
    [Fact]
    public void Wrong_byte_count_raises_a_torch_exception_with_the_reason()
    {
        var error = Assert.Throws<TorchException>(() => Torch.From([1f, 2f, 3f], [2, 2]));
        Assert.Contains("12 bytes given", error.Message);
        Assert.DoesNotContain("frame #", error.Message);
    }

    [Fact]
    public void Negative_shape_raises_and_the_process_carries_on()
    {
        var error = Assert.Throws<TorchException>(() => Torch.Zeros([-1, 2]));
        Assert.Contains("negative", error.Message, StringComparison.OrdinalIgnoreCase);
        using var ok = Torch.Ones([2]);
        Assert.Equal(2, ok.NumEl);
    }

    [Fact]
    public void Errors_on_a_missing_cuda_device_are_exceptions_not_crashes()
    {
        if (Torch.CudaIsAvailable) return;
        Assert.Throws<TorchException>(() => Torch.Zeros([2], device: Device.Cuda(0)));
    }

    [Fact]
    public void Using_a_disposed_tensor_is_an_object_disposed_error()
    {
        var t = Torch.Zeros([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.NumEl);
        Assert.Equal("Tensor(disposed)", t.ToString());
    }

    [Fact]
    public void Trim_keeps_libtorch_message_and_drops_the_backtrace()
    {
        var raw = "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1\nException raised from infer_size_impl at ../aten/src/ATen/ExpandUtils.cpp:31 (most recent call first):\nframe #0: c10::Error::Error";
        Assert.Equal("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1", TorchException.Trim(raw));
    }

    [Fact]
    public void Device_names_parse_and_print()
    {
        Assert.Equal(Device.Cuda(1), Device.Parse("cuda:1"));
        Assert.Equal("cpu", Device.Parse("CPU").ToString());
        Assert.Throws<Stlm.Model.StlmException>(() => Device.Parse("tpu"));
    }
}
