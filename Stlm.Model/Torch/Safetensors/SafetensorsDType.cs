namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// The element types the safetensors format names, in increasing alignment order: the writer
/// lays tensors out from the last of these to the first, as the reference writer does, so
/// every tensor starts aligned to its element size when the header is padded to 8 bytes.
/// </summary>
public enum SafetensorsDType
{
    Bool,
    F4,
    F6E2M3,
    F6E3M2,
    U8,
    I8,
    F8E5M2,
    F8E4M3,
    F8E8M0,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64,
}

public static class SafetensorsDTypes
{
    static readonly (SafetensorsDType DType, string Name, int Bits)[] Table =
    [
        (SafetensorsDType.Bool, "BOOL", 8),
        (SafetensorsDType.F4, "F4", 4),
        (SafetensorsDType.F6E2M3, "F6_E2M3", 6),
        (SafetensorsDType.F6E3M2, "F6_E3M2", 6),
        (SafetensorsDType.U8, "U8", 8),
        (SafetensorsDType.I8, "I8", 8),
        (SafetensorsDType.F8E5M2, "F8_E5M2", 8),
        (SafetensorsDType.F8E4M3, "F8_E4M3", 8),
        (SafetensorsDType.F8E8M0, "F8_E8M0", 8),
        (SafetensorsDType.I16, "I16", 16),
        (SafetensorsDType.U16, "U16", 16),
        (SafetensorsDType.F16, "F16", 16),
        (SafetensorsDType.BF16, "BF16", 16),
        (SafetensorsDType.I32, "I32", 32),
        (SafetensorsDType.U32, "U32", 32),
        (SafetensorsDType.F32, "F32", 32),
        (SafetensorsDType.C64, "C64", 64),
        (SafetensorsDType.F64, "F64", 64),
        (SafetensorsDType.I64, "I64", 64),
        (SafetensorsDType.U64, "U64", 64),
    ];

    static readonly Dictionary<string, SafetensorsDType> ByName =
        Table.ToDictionary(t => t.Name, t => t.DType, StringComparer.Ordinal);

    public static IReadOnlyList<SafetensorsDType> All { get; } = Table.Select(t => t.DType).ToArray();

    /// <summary>The name written in the header, e.g. "F32", "F8_E4M3".</summary>
    public static string Name(this SafetensorsDType dtype) => Table[(int)dtype].Name;

    /// <summary>Bits per element; sub-byte types (F4, F6) pack several elements per byte.</summary>
    public static int BitSize(this SafetensorsDType dtype) => Table[(int)dtype].Bits;

    /// <summary>Names are case-sensitive, as in the reference reader.</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype) => ByName.TryGetValue(name, out dtype);

    /// <summary>
    /// Bytes taken by a tensor of this type and shape, or null when the element count
    /// overflows or the bits do not fill whole bytes (the reference reader rejects both).
    /// </summary>
    public static long? ByteCount(this SafetensorsDType dtype, ReadOnlySpan<long> shape)
    {
        long elements = 1;
        foreach (var d in shape)
        {
            if (d < 0) return null;
            try { elements = checked(elements * d); }
            catch (OverflowException) { return null; }
        }
        long bits;
        try { bits = checked(elements * dtype.BitSize()); }
        catch (OverflowException) { return null; }
        return bits % 8 == 0 ? bits / 8 : null;
    }
}
