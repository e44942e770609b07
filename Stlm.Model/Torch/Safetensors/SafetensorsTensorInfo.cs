using System.Collections.Immutable;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// One tensor as the header describes it: bytes [Begin, End) of the data buffer that follows
/// the header, little-endian, row-major ('C' order).
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, ImmutableArray<long> Shape, long Begin, long End)
{
    public long ByteCount => End - Begin;

    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
