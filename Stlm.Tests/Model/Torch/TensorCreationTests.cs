using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class TensorCreationTests
{
    [Fact]
    public void Zeros_ones_and_full_have_the_requested_shape_dtype_and_values()
    {
        using var scope = TorchScope.Begin();
        var z = Torch.Zeros([2, 3]);
        Assert.Equal([2L, 3L], z.Shape);
        Assert.Equal(DType.Float32, z.DType);
        Assert.Equal(Device.Cpu, z.Device);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(Torch.Ones([4], DType.Int64).ToArray<long>(), v => Assert.Equal(1L, v));
        Assert.All(Torch.Full([2, 2], 2.5, DType.Float64).ToArray<double>(), v => Assert.Equal(2.5, v));
        Assert.Equal(6, z.NumEl);
        Assert.Equal(2, z.Dim);
        Assert.Equal(3, z.Size(-1));
    }

    [Fact]
    public void Arange_counts_like_python()
    {
        using var scope = TorchScope.Begin();
        Assert.Equal([0L, 1, 2, 3, 4], Torch.Arange(5).ToArray<long>());
        Assert.Equal([1f, 1.5f, 2f, 2.5f], Torch.Arange(1, 3, 0.5, DType.Float32).ToArray<float>());
    }

    [Fact]
    public void Host_arrays_round_trip_for_every_dtype()
    {
        using var scope = TorchScope.Begin();
        Assert.Equal([1.5f, -2f, 3.25f], Torch.From([1.5f, -2f, 3.25f]).ToArray<float>());
        Assert.Equal([1.5, -2.0, 1e-300], Torch.From([1.5, -2.0, 1e-300]).ToArray<double>());
        Assert.Equal([long.MaxValue, -1L], Torch.From([long.MaxValue, -1L]).ToArray<long>());
        Assert.Equal([int.MinValue, 7], Torch.From([int.MinValue, 7]).ToArray<int>());
        Assert.Equal([(byte)0, (byte)255], Torch.From([(byte)0, (byte)255]).ToArray<byte>());
        Assert.Equal([true, false, true], Torch.From([true, false, true]).ToArray<bool>());
        Assert.Equal([(Half)1.5f, (Half)(-0.25f)], Torch.From([(Half)1.5f, (Half)(-0.25f)]).ToArray<Half>());
        // bf16 has no .NET type: raw bits in, raw bits out; 0x3FC0 is 1.5 and 0xC000 is -2.
        ushort[] bits = [0x3FC0, 0xC000];
        var bf = Torch.From<ushort>(bits, [2], DType.BFloat16);
        Assert.Equal(DType.BFloat16, bf.DType);
        Assert.Equal(bits, bf.ToArray<ushort>());
        Assert.Equal([1.5f, -2f], bf.To(DType.Float32).ToArray<float>());
    }

    [Fact]
    public void Dtype_conversions_keep_representable_values()
    {
        using var scope = TorchScope.Begin();
        var x = Torch.From([1f, 2.5f, -3f]);
        foreach (var dtype in new[] { DType.BFloat16, DType.Float16, DType.Float64 })
            Assert.Equal([1f, 2.5f, -3f], x.To(dtype).To(DType.Float32).ToArray<float>());
        Assert.Equal([1L, 2L, -3L], x.To(DType.Int64).ToArray<long>());
        Assert.Equal([1, 2, -3], x.To(DType.Int32).ToArray<int>());
        Assert.Equal([true, true, true], x.To(DType.Bool).ToArray<bool>());
        Assert.Equal([(byte)1, (byte)2], Torch.From([1f, 2f]).To(DType.UInt8).ToArray<byte>());
    }

    [Fact]
    public void Two_dimensional_arrays_keep_row_major_order()
    {
        using var scope = TorchScope.Begin();
        var t = Torch.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal([2L, 3L], t.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ToArray<float>());
        Assert.Equal([3L, 1L], t.Strides);
    }

    [Fact]
    public void AsSpan_reads_and_writes_the_tensor_memory_without_copying()
    {
        using var scope = TorchScope.Begin();
        var t = Torch.Zeros([4]);
        t.AsSpan<float>()[2] = 7f;
        Assert.Equal([0f, 0f, 7f, 0f], t.ToArray<float>());
    }

    [Fact]
    public void Item_and_scalar_reads_return_the_single_value()
    {
        using var scope = TorchScope.Begin();
        Assert.Equal(3.5f, Torch.Scalar(3.5).Item<float>());
        Assert.Equal(3.5, Torch.Scalar(3.5).ToDouble());
        Assert.Equal(9L, Torch.Full([1], 9, DType.Int64).ToInt64());
        Assert.Throws<InvalidOperationException>(() => Torch.Zeros([2]).Item<float>());
    }

    [Fact]
    public void ToString_prints_values_and_type()
    {
        using var scope = TorchScope.Begin();
        var text = Torch.From([1f, 2f]).ToString();
        Assert.Contains("CPUFloatType{2}", text);
        Assert.Equal("Tensor[2, 3] bf16 cpu", Torch.Zeros([2, 3], DType.BFloat16).Describe());
    }

    [Fact]
    public void Runtime_reports_the_libtorch_version()
    {
        Assert.Matches(@"^\d+\.\d+", Torch.Version);
        Assert.True(Torch.CudaDeviceCount >= 0);
        if (!Torch.CudaIsAvailable) Assert.Equal(0, Torch.CudaDeviceCount);
    }
}
