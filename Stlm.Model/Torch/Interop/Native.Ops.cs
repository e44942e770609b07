using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

/// <summary>Op codes of Native/ops.cpp's dispatching entry points (same order as there).</summary>
internal enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Rsqrt, Abs, Relu, Tanh, Sigmoid, Silu, Gelu, GeluTanh, LogicalNot,
    Sin, Cos, Reciprocal, Square, Floor, Ceil, Round, Sign, Log1p, Expm1, IsNan, IsInf, IsFinite,
}

internal enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr,
    Remainder, FloorDivide, RSub, RDiv, RPow, LogicalXor,
}

internal enum ReduceOp { Sum, Mean, Amax, Amin, LogSumExp, Prod, Var, Std, Norm }

internal enum LikeKind { Zeros, Ones, Full, Randn, Rand, Empty }

internal static unsafe partial class Native
{
    [LibraryImport(Lib)] internal static partial nint stlm_view(nint t, long* shape, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_reshape(nint t, long* shape, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_expand(nint t, long* shape, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_repeat(nint t, long* times, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_permute(nint t, long* order, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_transpose(nint t, long d0, long d1);
    [LibraryImport(Lib)] internal static partial nint stlm_unsqueeze(nint t, long dim);
    [LibraryImport(Lib)] internal static partial nint stlm_squeeze(nint t, long dim, int all);
    [LibraryImport(Lib)] internal static partial nint stlm_flatten(nint t, long start, long end);
    [LibraryImport(Lib)] internal static partial nint stlm_unflatten(nint t, long dim, long* sizes, int n);
    [LibraryImport(Lib)] internal static partial nint stlm_repeat_interleave(nint t, long repeats, long dim);

    [LibraryImport(Lib)] internal static partial nint stlm_narrow(nint t, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial nint stlm_slice(nint t, long dim, long start, long end, long step);
    [LibraryImport(Lib)] internal static partial nint stlm_select(nint t, long dim, long index);
    [LibraryImport(Lib)] internal static partial nint stlm_index_select(nint t, long dim, nint index);
    [LibraryImport(Lib)] internal static partial nint stlm_gather(nint t, long dim, nint index);
    [LibraryImport(Lib)] internal static partial nint stlm_scatter(nint t, long dim, nint index, nint src);
    [LibraryImport(Lib)] internal static partial nint stlm_scatter_add(nint t, long dim, nint index, nint src);
    [LibraryImport(Lib)] internal static partial nint stlm_masked_fill(nint t, nint mask, double value);
    [LibraryImport(Lib)] internal static partial nint stlm_masked_select(nint t, nint mask);
    [LibraryImport(Lib)] internal static partial nint stlm_where(nint cond, nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint stlm_tril(nint t, long diagonal);
    [LibraryImport(Lib)] internal static partial nint stlm_triu(nint t, long diagonal);

    [LibraryImport(Lib)] internal static partial nint stlm_unary(nint t, UnaryOp op);
    [LibraryImport(Lib)] internal static partial nint stlm_binary(nint a, nint b, BinaryOp op);
    [LibraryImport(Lib)] internal static partial nint stlm_binary_scalar(nint a, double b, BinaryOp op);
    [LibraryImport(Lib)] internal static partial int stlm_binary_(nint a, nint b, BinaryOp op);
    [LibraryImport(Lib)] internal static partial int stlm_binary_scalar_(nint a, double b, BinaryOp op);
    [LibraryImport(Lib)] internal static partial int stlm_add_scaled_(nint a, nint b, double alpha);
    [LibraryImport(Lib)] internal static partial int stlm_unary_(nint t, UnaryOp op);
    [LibraryImport(Lib)] internal static partial int stlm_zero_(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_fill_(nint t, double value);
    [LibraryImport(Lib)] internal static partial int stlm_copy_(nint dst, nint src);
    [LibraryImport(Lib)] internal static partial nint stlm_clamp(nint t, double min, double max);
    [LibraryImport(Lib)] internal static partial nint stlm_lerp(nint a, nint b, double weight);

    [LibraryImport(Lib)] internal static partial nint stlm_reduce(nint t, long* dims, int n, int keepdim, ReduceOp op);
    [LibraryImport(Lib)] internal static partial int stlm_max_dim(nint t, long dim, int keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int stlm_min_dim(nint t, long dim, int keepdim, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint stlm_argmax(nint t, long dim, int hasDim, int keepdim);
    [LibraryImport(Lib)] internal static partial nint stlm_argmin(nint t, long dim, int hasDim, int keepdim);
    [LibraryImport(Lib)] internal static partial nint stlm_cumsum(nint t, long dim);
    [LibraryImport(Lib)] internal static partial int stlm_all(nint t, int* result);
    [LibraryImport(Lib)] internal static partial int stlm_allclose(nint a, nint b, double rtol, double atol, int* result);

    [LibraryImport(Lib)] internal static partial nint stlm_matmul(nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint stlm_mm(nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint stlm_bmm(nint a, nint b);
    [LibraryImport(Lib)] internal static partial nint stlm_outer(nint a, nint b);

    [LibraryImport(Lib)] internal static partial nint stlm_cat(nint* tensors, int n, long dim);
    [LibraryImport(Lib)] internal static partial nint stlm_stack(nint* tensors, int n, long dim);
    [LibraryImport(Lib)] internal static partial long stlm_split(nint t, long size, long dim, nint* parts, long capacity);
    [LibraryImport(Lib)] internal static partial long stlm_split_sizes(nint t, long* sizes, int n, long dim, nint* parts, long capacity);
    [LibraryImport(Lib)] internal static partial long stlm_chunk(nint t, long chunks, long dim, nint* parts, long capacity);

    [LibraryImport(Lib)] internal static partial int stlm_topk(nint t, long k, long dim, int largest, int sorted, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial int stlm_sort(nint t, long dim, int descending, nint* values, nint* indices);
    [LibraryImport(Lib)] internal static partial nint stlm_argsort(nint t, long dim, int descending);
    [LibraryImport(Lib)] internal static partial nint stlm_multinomial(nint probs, long n, int replacement);

    [LibraryImport(Lib)] internal static partial nint stlm_like(nint t, LikeKind kind, double value);
}
