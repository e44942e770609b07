using System.Runtime.InteropServices;

namespace Stlm.Model.LibTorch.Interop;

/// <summary>
/// P/Invoke declarations, one partial file per native area (Native/core.cpp -> Native.Core.cs).
/// Only blittable arguments: handles as nint, shapes as long*, flags as int; no marshalling.
/// </summary>
internal static unsafe partial class Native
{
    const string Lib = NativeLibraryLoader.LibraryName;

    static Native() => NativeLibraryLoader.Install();

    internal static string LastError() => Marshal.PtrToStringUTF8(stlm_last_error()) ?? "";

    [LibraryImport(Lib)] internal static partial nint stlm_last_error();
    [LibraryImport(Lib)] internal static partial nint stlm_torch_version();
    [LibraryImport(Lib)] internal static partial int stlm_cuda_is_available();
    [LibraryImport(Lib)] internal static partial int stlm_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int stlm_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int stlm_get_num_threads();
    [LibraryImport(Lib)] internal static partial int stlm_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int stlm_get_num_interop_threads();
    [LibraryImport(Lib)] internal static partial int stlm_set_num_interop_threads(int n);
    [LibraryImport(Lib)] internal static partial int stlm_get_blas_threads();
    [LibraryImport(Lib)] internal static partial int stlm_set_blas_threads(int n);

    [LibraryImport(Lib)] internal static partial void stlm_tensor_free(nint t);
    [LibraryImport(Lib)] internal static partial nint stlm_tensor_alias(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_dim(nint t);
    [LibraryImport(Lib)] internal static partial long stlm_tensor_numel(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_dtype(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_element_size(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_is_contiguous(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_device_type(nint t);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_device_index(nint t);
    [LibraryImport(Lib)] internal static partial void stlm_tensor_sizes(nint t, long* dst);
    [LibraryImport(Lib)] internal static partial void stlm_tensor_strides(nint t, long* dst);
    [LibraryImport(Lib)] internal static partial int stlm_tensor_size(nint t, long dim, long* size);
    [LibraryImport(Lib)] internal static partial void* stlm_tensor_data_ptr(nint t);

    [LibraryImport(Lib)] internal static partial nint stlm_empty(long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_zeros(long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_ones(long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_full(long* shape, int ndim, double value, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_arange(double start, double end, double step, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_randn(long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_rand(long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_randint(long low, long high, long* shape, int ndim, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_eye(long n, int dtype, int dev, int idx);
    [LibraryImport(Lib)] internal static partial nint stlm_from_host(void* data, long nbytes, long* shape, int ndim, int dtype);
    [LibraryImport(Lib)] internal static partial int stlm_to_host(nint t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int stlm_item_double(nint t, double* value);
    [LibraryImport(Lib)] internal static partial int stlm_item_long(nint t, long* value);
    [LibraryImport(Lib)] internal static partial long stlm_tensor_to_string(nint t, byte* buf, long cap);

    [LibraryImport(Lib)] internal static partial nint stlm_to_dtype(nint t, int dtype);
    [LibraryImport(Lib)] internal static partial nint stlm_to_device(nint t, int dev, int idx, int nonBlocking);
    [LibraryImport(Lib)] internal static partial nint stlm_clone(nint t);
    [LibraryImport(Lib)] internal static partial nint stlm_contiguous(nint t);

    /// <summary>Throws the thread's native error when a status call failed.</summary>
    internal static void Check(int status)
    {
        if (status != 0) throw TorchException.FromLastError();
    }
}
