using Stlm.Model;
using Stlm.Model.LibTorch;
using Stlm.Model.LibTorch.Safetensors;
using Stlm.Tests.Support;

namespace Stlm.Tests.Model.LibTorch.Safetensors;

public class TensorSafetensorsTests : IDisposable
{
    readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    public static TheoryData<DType> DTypes => [DType.Float32, DType.BFloat16, DType.Float16, DType.Int64, DType.Int32, DType.UInt8, DType.Bool, DType.Float64];

    static Tensor Sample(DType dtype)
    {
        using var values = Torch.Arange(-6, 6, 1, DType.Float64).Reshape(3, 4);
        using var scaled = values * 1.75;
        return dtype == DType.Bool ? (scaled > 0).DetachFromScopes() : scaled.To(dtype).DetachFromScopes();
    }

    static byte[] Bytes(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>().SelectMany(BitConverter.GetBytes).ToArray(),
        DType.Int32 => t.ToArray<int>().SelectMany(BitConverter.GetBytes).ToArray(),
        DType.Float64 => t.ToArray<double>().SelectMany(BitConverter.GetBytes).ToArray(),
        DType.Int64 => t.ToArray<long>().SelectMany(BitConverter.GetBytes).ToArray(),
        DType.BFloat16 or DType.Float16 => t.ToArray<ushort>().SelectMany(BitConverter.GetBytes).ToArray(),
        _ => t.ToArray<byte>(),
    };

    [Theory]
    [MemberData(nameof(DTypes))]
    public void Every_dtype_round_trips_into_new_and_existing_tensors(DType dtype)
    {
        using var original = Sample(dtype);
        var path = Path.Combine(dir.Path, "t.safetensors");
        TensorSafetensors.Save(path, [new("t", original)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(dtype.ToSafetensors(), file["t"].DType);
        using var loaded = file.Load("t");
        Assert.Equal(dtype, loaded.DType);
        Assert.Equal([3L, 4], loaded.Shape);
        Assert.Equal(Bytes(original), Bytes(loaded));

        using var target = Torch.Zeros([3, 4], dtype);
        file.CopyInto("t", target);
        Assert.Equal(Bytes(original), Bytes(target));
    }

    [Fact]
    public void Non_contiguous_tensors_are_saved_in_row_major_order()
    {
        using var matrix = Torch.Arange(0, 6, 1, DType.Float32).Reshape(2, 3);
        using var transposed = matrix.T;
        Assert.False(transposed.IsContiguous);
        var path = Path.Combine(dir.Path, "t.safetensors");
        TensorSafetensors.Save(path, [new("t", transposed)]);
        using var file = SafetensorsFile.Open(path);
        using var loaded = file.Load("t");
        Assert.Equal([3L, 2], loaded.Shape);
        Assert.Equal([0f, 3, 1, 4, 2, 5], loaded.ToArray<float>());
    }

    [Fact]
    public void Copy_into_a_parameter_keeps_its_identity_and_leaves_it_a_leaf()
    {
        using var source = Torch.Full([4], 2.5);
        var path = Path.Combine(dir.Path, "p.safetensors");
        TensorSafetensors.Save(path, [new("p", source)]);
        using var parameter = Torch.Zeros([4]).RequiresGrad_();
        using var alias = parameter.Alias();
        using var file = SafetensorsFile.Open(path);
        file.CopyInto("p", parameter);
        Assert.Equal([2.5f, 2.5f, 2.5f, 2.5f], alias.ToArray<float>());
        Assert.True(parameter.IsLeaf && parameter.RequiresGrad);
    }

    [Fact]
    public void Copy_into_a_tensor_of_another_dtype_or_shape_names_the_tensor()
    {
        using var source = Torch.Zeros([2, 3]);
        var path = Path.Combine(dir.Path, "m.safetensors");
        TensorSafetensors.Save(path, [new("block.w", source)]);
        using var file = SafetensorsFile.Open(path);
        using var half = Torch.Zeros([2, 3], DType.BFloat16);
        var e = Assert.Throws<StlmException>(() => file.CopyInto("block.w", half));
        Assert.Contains("'block.w' is F32 [2, 3] but the model's is BF16 [2, 3]", e.Message);
        using var other = Torch.Zeros([3, 2]);
        Assert.Throws<StlmException>(() => file.CopyInto("block.w", other));
        Assert.Throws<StlmException>(() => file.CopyInto("missing", other));
    }
}
