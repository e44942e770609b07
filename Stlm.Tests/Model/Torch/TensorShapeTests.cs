using Stlm.Model.LibTorch;

namespace Stlm.Tests.Model.LibTorch;

public class TensorShapeTests
{
    static Tensor Iota(params long[] shape) => Torch.Arange(shape.Aggregate(1L, (a, b) => a * b), DType.Float32).View(shape);

    [Fact]
    public void View_reshape_and_flatten_keep_row_major_order()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(2, 3);
        Assert.Equal([3L, 2L], x.View(3, 2).Shape);
        Assert.Equal([6L], x.Reshape(-1).Shape);
        Assert.Equal([0f, 1, 2, 3, 4, 5], x.Flatten().ToArray<float>());
        Assert.Equal([2L, 3L, 4L], Iota(24).Unflatten(0, 2, 3, 4).Shape);
    }

    [Fact]
    public void Transpose_and_permute_move_dims_and_contiguous_copies()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(2, 3);
        var t = x.T;
        Assert.Equal([3L, 2L], t.Shape);
        Assert.False(t.IsContiguous);
        Assert.Equal([0f, 3, 1, 4, 2, 5], t.ToArray<float>());
        Assert.True(t.Contiguous().IsContiguous);
        Assert.Equal([4L, 2L, 3L], Iota(2, 3, 4).Permute(2, 0, 1).Shape);
        Assert.Equal([3L, 2L, 4L], Iota(2, 3, 4).Transpose(0, 1).Shape);
    }

    [Fact]
    public void Unsqueeze_squeeze_expand_and_repeat()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(3);
        Assert.Equal([1L, 3L], x.Unsqueeze(0).Shape);
        Assert.Equal([3L], x.Unsqueeze(0).Squeeze(0).Shape);
        Assert.Equal([3L], Iota(1, 3, 1).Squeeze().Shape);
        var e = x.Unsqueeze(0).Expand(2, -1);
        Assert.Equal([0f, 1, 2, 0, 1, 2], e.ToArray<float>());
        Assert.Equal([0f, 1, 2, 0, 1, 2], x.Repeat(2).ToArray<float>());
        Assert.Equal([0f, 0, 1, 1, 2, 2], x.RepeatInterleave(2, 0).ToArray<float>());
    }

    [Fact]
    public void Narrow_slice_select_and_indexers_are_views()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(4, 3);
        Assert.Equal([3f, 4, 5, 6, 7, 8], x.Narrow(0, 1, 2).ToArray<float>());
        Assert.Equal([0f, 6], x.Slice(0, 0, 4, 2).Select(1, 0).ToArray<float>());
        Assert.Equal([9f, 10, 11], x[3].ToArray<float>());
        Assert.Equal([6f, 7, 8, 9, 10, 11], x[2..].ToArray<float>());
        x.Narrow(1, 0, 1).FillInPlace(-1);
        Assert.Equal([-1f, 1, 2], x[0].ToArray<float>());
    }

    [Fact]
    public void Index_select_gather_and_scatter_pick_by_index()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(3, 2);
        Assert.Equal([4f, 5, 0, 1], x.IndexSelect(0, Torch.From([2L, 0L])).ToArray<float>());
        var picked = x.Gather(1, Torch.From([1L, 0L, 1L], 3, 1));
        Assert.Equal([1f, 2, 5], picked.ToArray<float>());
        var scattered = Torch.Zeros([2, 3]).Scatter(1, Torch.From([2L, 0L], 2, 1), Torch.Ones([2, 1]));
        Assert.Equal([0f, 0, 1, 1, 0, 0], scattered.ToArray<float>());
        var added = Torch.Zeros([3]).ScatterAdd(0, Torch.From([1L, 1L, 2L]), Torch.Ones([3]));
        Assert.Equal([0f, 2, 1], added.ToArray<float>());
    }

    [Fact]
    public void Masks_fill_select_and_choose()
    {
        using var scope = TorchScope.Begin();
        var x = Iota(2, 2);
        var mask = Torch.From([true, false, false, true], 2, 2);
        Assert.Equal([-9f, 1, 2, -9], x.MaskedFill(mask, -9).ToArray<float>());
        Assert.Equal([0f, 3], x.MaskedSelect(mask).ToArray<float>());
        Assert.Equal([0f, 10, 10, 3], Torch.Where(mask, x, Torch.Full([1], 10)).ToArray<float>());
        var inf = x.MaskedFill(!mask, double.NegativeInfinity).ToArray<float>();
        Assert.True(float.IsNegativeInfinity(inf[1]));
    }

    [Fact]
    public void Tril_and_triu_make_causal_masks()
    {
        using var scope = TorchScope.Begin();
        var ones = Torch.Ones([3, 3]);
        Assert.Equal([1f, 0, 0, 1, 1, 0, 1, 1, 1], ones.Tril().ToArray<float>());
        Assert.Equal([0f, 1, 1, 0, 0, 1, 0, 0, 0], ones.Triu(1).ToArray<float>());
        var future = Torch.Ones([3, 3], DType.Bool).Triu(1);
        Assert.Equal([false, true, true, false, false, true, false, false, false], future.ToArray<bool>());
    }

    [Fact]
    public void Cat_stack_split_and_chunk_round_trip()
    {
        using var scope = TorchScope.Begin();
        var a = Iota(2, 2);
        var b = Iota(2, 2) + 4;
        Assert.Equal([4L, 2L], Torch.Cat([a, b]).Shape);
        Assert.Equal([0f, 1, 4, 5, 2, 3, 6, 7], Torch.Cat([a, b], 1).ToArray<float>());
        Assert.Equal([2L, 2L, 2L], Torch.Stack([a, b], 1).Shape);
        var parts = Iota(5).Split(2);
        Assert.Equal(3, parts.Length);
        Assert.Equal([4f], parts[2].ToArray<float>());
        var sized = Iota(5).Split([1L, 4L]);
        Assert.Equal([1f, 2, 3, 4], sized[1].ToArray<float>());
        var chunks = Iota(2, 6).Chunk(3, 1);
        Assert.Equal(3, chunks.Length);
        Assert.Equal([2f, 3, 8, 9], chunks[1].ToArray<float>());
        Assert.Equal(Iota(2, 6).ToArray<float>(), Torch.Cat(chunks, 1).ToArray<float>());
    }
}
