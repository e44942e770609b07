namespace Stlm.Model.LibTorch;

/// <summary>Element types; the values are libtorch's c10::ScalarType codes.</summary>
public enum DType
{
    UInt8 = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Float16 = 5,
    Float32 = 6,
    Float64 = 7,
    Bool = 11,
    BFloat16 = 15,
}

public static class DTypeExtensions
{
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.Int16 or DType.Float16 or DType.BFloat16 => 2,
        DType.Int32 or DType.Float32 => 4,
        DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float16 or DType.BFloat16 or DType.Float32 or DType.Float64;

    /// <summary>Short names as in safetensors and PyTorch printing: f32, bf16, i64, ...</summary>
    public static string ShortName(this DType dtype) => dtype switch
    {
        DType.UInt8 => "u8",
        DType.Int8 => "i8",
        DType.Int16 => "i16",
        DType.Int32 => "i32",
        DType.Int64 => "i64",
        DType.Float16 => "f16",
        DType.Float32 => "f32",
        DType.Float64 => "f64",
        DType.Bool => "bool",
        DType.BFloat16 => "bf16",
        _ => dtype.ToString(),
    };

    /// <summary>The dtype a .NET element type maps to (bf16 has no .NET type: use ushort bits with an explicit dtype).</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(int) ? DType.Int32
        : typeof(T) == typeof(short) ? DType.Int16
        : typeof(T) == typeof(byte) ? DType.UInt8
        : typeof(T) == typeof(sbyte) ? DType.Int8
        : typeof(T) == typeof(bool) ? DType.Bool
        : typeof(T) == typeof(Half) ? DType.Float16
        : throw new ArgumentException($"no tensor dtype for {typeof(T).Name}; pass the dtype explicitly");
}
