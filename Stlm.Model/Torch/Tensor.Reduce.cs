using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

// Reductions, matrix products, sorting and sampling.
public sealed partial class Tensor
{
    unsafe Tensor Reduce(ReduceOp op, ReadOnlySpan<long> dims, bool keepDim)
    {
        fixed (long* d = dims) return FromHandle(Native.stlm_reduce(Handle, d, dims.Length, keepDim ? 1 : 0, op));
    }

    /// <summary>Sum of every element (a scalar tensor).</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, [], false);
    public Tensor Sum(long dim, bool keepDim = false) => Reduce(ReduceOp.Sum, [dim], keepDim);
    public Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Sum, dims, keepDim);

    public Tensor Mean() => Reduce(ReduceOp.Mean, [], false);
    public Tensor Mean(long dim, bool keepDim = false) => Reduce(ReduceOp.Mean, [dim], keepDim);
    public Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false) => Reduce(ReduceOp.Mean, dims, keepDim);

    /// <summary>Largest element (a scalar tensor).</summary>
    public Tensor Max() => Reduce(ReduceOp.Amax, [], false);
    public Tensor Min() => Reduce(ReduceOp.Amin, [], false);

    /// <summary>Largest values along dims (torch.amax), without indices.</summary>
    public Tensor Amax(long dim, bool keepDim = false) => Reduce(ReduceOp.Amax, [dim], keepDim);
    public Tensor Amin(long dim, bool keepDim = false) => Reduce(ReduceOp.Amin, [dim], keepDim);

    /// <summary>Largest values along a dim and where they are (torch.max(dim)).</summary>
    public unsafe (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        nint values, indices;
        var status = Native.stlm_max_dim(Handle, dim, keepDim ? 1 : 0, &values, &indices);
        return WrapPair(status, values, indices);
    }

    public unsafe (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        nint values, indices;
        var status = Native.stlm_min_dim(Handle, dim, keepDim ? 1 : 0, &values, &indices);
        return WrapPair(status, values, indices);
    }

    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor ArgMax() => FromHandle(Native.stlm_argmax(Handle, 0, 0, 0));
    public Tensor ArgMax(long dim, bool keepDim = false) => FromHandle(Native.stlm_argmax(Handle, dim, 1, keepDim ? 1 : 0));
    public Tensor ArgMin() => FromHandle(Native.stlm_argmin(Handle, 0, 0, 0));
    public Tensor ArgMin(long dim, bool keepDim = false) => FromHandle(Native.stlm_argmin(Handle, dim, 1, keepDim ? 1 : 0));

    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceOp.LogSumExp, [dim], keepDim);
    public Tensor Prod() => Reduce(ReduceOp.Prod, [], false);
    public Tensor Prod(long dim, bool keepDim = false) => Reduce(ReduceOp.Prod, [dim], keepDim);

    /// <summary>Unbiased variance (Bessel's correction), as torch.var.</summary>
    public Tensor Var() => Reduce(ReduceOp.Var, [], false);
    public Tensor Var(long dim, bool keepDim = false) => Reduce(ReduceOp.Var, [dim], keepDim);
    public Tensor Std() => Reduce(ReduceOp.Std, [], false);
    public Tensor Std(long dim, bool keepDim = false) => Reduce(ReduceOp.Std, [dim], keepDim);

    /// <summary>Euclidean (2-) norm of all elements, or along dims.</summary>
    public Tensor Norm() => Reduce(ReduceOp.Norm, [], false);
    public Tensor Norm(long dim, bool keepDim = false) => Reduce(ReduceOp.Norm, [dim], keepDim);

    public Tensor CumSum(long dim) => FromHandle(Native.stlm_cumsum(Handle, dim));

    /// <summary>Whether every element is non-zero.</summary>
    public unsafe bool All()
    {
        int result;
        Native.Check(Native.stlm_all(Handle, &result));
        return result != 0;
    }

    /// <summary>|this - other| &lt;= atol + rtol * |other| everywhere (torch.allclose).</summary>
    public unsafe bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        int result;
        Native.Check(Native.stlm_allclose(Handle, other.Handle, rtol, atol, &result));
        return result != 0;
    }

    // ---- products ----------------------------------------------------------------------------

    /// <summary>torch.matmul: broadcasting batched matrix product (vectors promoted as in NumPy).</summary>
    public Tensor MatMul(Tensor other) => FromHandle(Native.stlm_matmul(Handle, other.Handle));
    public Tensor Mm(Tensor other) => FromHandle(Native.stlm_mm(Handle, other.Handle));
    public Tensor Bmm(Tensor other) => FromHandle(Native.stlm_bmm(Handle, other.Handle));
    public Tensor Outer(Tensor other) => FromHandle(Native.stlm_outer(Handle, other.Handle));

    // ---- sorting and sampling ----------------------------------------------------------------

    public unsafe (Tensor Values, Tensor Indices) TopK(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        nint values, indices;
        var status = Native.stlm_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, &values, &indices);
        return WrapPair(status, values, indices);
    }

    public unsafe (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        nint values, indices;
        var status = Native.stlm_sort(Handle, dim, descending ? 1 : 0, &values, &indices);
        return WrapPair(status, values, indices);
    }

    public Tensor ArgSort(long dim = -1, bool descending = false) => FromHandle(Native.stlm_argsort(Handle, dim, descending ? 1 : 0));

    /// <summary>Draws <paramref name="samples"/> indices per row with probability proportional to the row's weights.</summary>
    public Tensor Multinomial(long samples, bool replacement = false) =>
        FromHandle(Native.stlm_multinomial(Handle, samples, replacement ? 1 : 0));
}
