using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

// Views, shape changes, slicing and indexing. Views share storage with their source.
public sealed partial class Tensor
{
    public unsafe Tensor View(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return FromHandle(Native.stlm_view(Handle, s, shape.Length));
    }

    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return FromHandle(Native.stlm_reshape(Handle, s, shape.Length));
    }

    /// <summary>Broadcasts size-1 dims to <paramref name="shape"/> without copying (-1 keeps a dim).</summary>
    public unsafe Tensor Expand(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return FromHandle(Native.stlm_expand(Handle, s, shape.Length));
    }

    /// <summary>Tiles the tensor: each dim repeated the given number of times (copies).</summary>
    public unsafe Tensor Repeat(params ReadOnlySpan<long> times)
    {
        fixed (long* s = times) return FromHandle(Native.stlm_repeat(Handle, s, times.Length));
    }

    public unsafe Tensor Permute(params ReadOnlySpan<long> order)
    {
        fixed (long* s = order) return FromHandle(Native.stlm_permute(Handle, s, order.Length));
    }

    public Tensor Transpose(long dim0, long dim1) => FromHandle(Native.stlm_transpose(Handle, dim0, dim1));

    /// <summary>The transpose of the last two dims.</summary>
    public Tensor T => Transpose(-2, -1);

    public Tensor Unsqueeze(long dim) => FromHandle(Native.stlm_unsqueeze(Handle, dim));
    public Tensor Squeeze(long dim) => FromHandle(Native.stlm_squeeze(Handle, dim, 0));
    public Tensor Squeeze() => FromHandle(Native.stlm_squeeze(Handle, 0, 1));
    public Tensor Flatten(long startDim = 0, long endDim = -1) => FromHandle(Native.stlm_flatten(Handle, startDim, endDim));

    public unsafe Tensor Unflatten(long dim, params ReadOnlySpan<long> sizes)
    {
        fixed (long* s = sizes) return FromHandle(Native.stlm_unflatten(Handle, dim, s, sizes.Length));
    }

    /// <summary>Each slice along <paramref name="dim"/> repeated consecutively (as for grouped-query keys).</summary>
    public Tensor RepeatInterleave(long repeats, long dim) => FromHandle(Native.stlm_repeat_interleave(Handle, repeats, dim));

    // ---- slicing -----------------------------------------------------------------------------

    /// <summary>A view of <paramref name="length"/> entries of <paramref name="dim"/> from <paramref name="start"/>.</summary>
    public Tensor Narrow(long dim, long start, long length) => FromHandle(Native.stlm_narrow(Handle, dim, start, length));

    /// <summary>Python's t[..., start:end:step, ...] on one dim (a view; ends are clamped).</summary>
    public Tensor Slice(long dim, long start, long end = long.MaxValue, long step = 1) =>
        FromHandle(Native.stlm_slice(Handle, dim, start, end, step));

    /// <summary>Removes <paramref name="dim"/> by taking entry <paramref name="index"/> (a view).</summary>
    public Tensor Select(long dim, long index) => FromHandle(Native.stlm_select(Handle, dim, index));

    /// <summary>t[i]: the i-th entry of the first dim.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[long index] => Select(0, index);

    /// <summary>t[range]: a slice of the first dim.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[Range range]
    {
        get
        {
            var (offset, length) = range.GetOffsetAndLength(checked((int)Size(0)));
            return Narrow(0, offset, length);
        }
    }

    public Tensor IndexSelect(long dim, Tensor index) => FromHandle(Native.stlm_index_select(Handle, dim, index.Handle));
    public Tensor Gather(long dim, Tensor index) => FromHandle(Native.stlm_gather(Handle, dim, index.Handle));
    public Tensor Scatter(long dim, Tensor index, Tensor source) => FromHandle(Native.stlm_scatter(Handle, dim, index.Handle, source.Handle));
    public Tensor ScatterAdd(long dim, Tensor index, Tensor source) => FromHandle(Native.stlm_scatter_add(Handle, dim, index.Handle, source.Handle));

    /// <summary>Copy with <paramref name="value"/> wherever the (broadcast) bool mask is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value) => FromHandle(Native.stlm_masked_fill(Handle, mask.Handle, value));

    /// <summary>The entries where the mask is true, as a 1-dim tensor.</summary>
    public Tensor MaskedSelect(Tensor mask) => FromHandle(Native.stlm_masked_select(Handle, mask.Handle));

    /// <summary>Lower triangle (entries with column - row &lt;= diagonal); the rest zero.</summary>
    public Tensor Tril(long diagonal = 0) => FromHandle(Native.stlm_tril(Handle, diagonal));

    /// <summary>Upper triangle (entries with column - row &gt;= diagonal); the rest zero.</summary>
    public Tensor Triu(long diagonal = 0) => FromHandle(Native.stlm_triu(Handle, diagonal));

    // ---- splitting ---------------------------------------------------------------------------

    /// <summary>Views of <paramref name="size"/> entries along dim (the last may be shorter).</summary>
    public unsafe Tensor[] Split(long size, long dim = 0)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), "split size must be positive");
        var capacity = Math.Max(1, (Size(dim) + size - 1) / size);
        var parts = new nint[capacity];
        long n;
        fixed (nint* p = parts) n = Native.stlm_split(Handle, size, dim, p, capacity);
        return Wrap(parts, n);
    }

    /// <summary>Views of the given sizes along dim, which must add up to its length.</summary>
    public unsafe Tensor[] Split(ReadOnlySpan<long> sizes, long dim = 0)
    {
        var parts = new nint[sizes.Length];
        long n;
        fixed (long* s = sizes)
        fixed (nint* p = parts) n = Native.stlm_split_sizes(Handle, s, sizes.Length, dim, p, parts.Length);
        return Wrap(parts, n);
    }

    /// <summary>At most <paramref name="chunks"/> near-equal views along dim (as torch.chunk).</summary>
    public unsafe Tensor[] Chunk(long chunks, long dim = 0)
    {
        if (chunks <= 0) throw new ArgumentOutOfRangeException(nameof(chunks), "chunk count must be positive");
        var parts = new nint[chunks];
        long n;
        fixed (nint* p = parts) n = Native.stlm_chunk(Handle, chunks, dim, p, chunks);
        return Wrap(parts, n);
    }

    static Tensor[] Wrap(nint[] handles, long count)
    {
        if (count < 0) throw TorchException.FromLastError();
        var result = new Tensor[count];
        for (var i = 0; i < count; i++) result[i] = new Tensor(handles[i]);
        return result;
    }

    /// <summary>Wraps two handles returned through out-pointers by a status call.</summary>
    static (Tensor, Tensor) WrapPair(int status, nint first, nint second)
    {
        Native.Check(status);
        return (new Tensor(first), new Tensor(second));
    }
}
