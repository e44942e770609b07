using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Stlm.Model.LibTorch.Interop;

namespace Stlm.Model.LibTorch;

/// <summary>The torch.* namespace: creation, runtime facts, seeds and threads.</summary>
public static unsafe partial class Torch
{
    public static string Version => Marshal.PtrToStringUTF8(Native.stlm_torch_version()) ?? "";
    public static bool CudaIsAvailable => Native.stlm_cuda_is_available() != 0;
    public static int CudaDeviceCount => Native.stlm_cuda_device_count();

    public static void ManualSeed(ulong seed) => Native.Check(Native.stlm_manual_seed(seed));

    // ---- creation ----------------------------------------------------------------------------

    public static Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_empty(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_zeros(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_ones(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Full(ReadOnlySpan<long> shape, double value, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_full(s, shape.Length, value, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>start, start+step, ... below end (as torch.arange; i64 by default).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.FromHandle(Native.stlm_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Standard normal samples from the global generator.</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_randn(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Uniform samples in [0, 1) from the global generator.</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_rand(s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        fixed (long* s = shape) return Tensor.FromHandle(Native.stlm_randint(low, high, s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Eye(long n, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.FromHandle(Native.stlm_eye(n, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>A scalar (0-dimensional) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    // ---- from host memory (one copy) ---------------------------------------------------------

    /// <summary>A CPU tensor holding a copy of <paramref name="data"/>; the dtype follows T unless given (e.g. ushort bits as bf16).</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, DType? dtype = null) where T : unmanaged
    {
        var dt = dtype ?? DTypeExtensions.Of<T>();
        if (sizeof(T) != dt.ElementSize())
            throw new ArgumentException($"{typeof(T).Name} elements ({sizeof(T)} bytes) cannot hold {dt.ShortName()} ({dt.ElementSize()} bytes)");
        fixed (T* p = data)
        fixed (long* s = shape)
            return Tensor.FromHandle(Native.stlm_from_host(p, (long)data.Length * sizeof(T), s, shape.Length, (int)dt));
    }

    /// <summary>A 1-dimensional CPU tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, DType? dtype = null) where T : unmanaged => From(data, [data.Length], dtype);

    public static Tensor From<T>(T[] data, params long[] shape) where T : unmanaged =>
        From((ReadOnlySpan<T>)data, shape.Length == 0 ? [data.Length] : shape);

    /// <summary>A 2-dimensional tensor from a rectangular array.</summary>
    public static Tensor From<T>(T[,] data) where T : unmanaged
    {
        var flat = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(data)), data.Length);
        return From(flat, [data.GetLength(0), data.GetLength(1)]);
    }
}
